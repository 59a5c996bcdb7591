using EdgeAgent.Contracts;

namespace EdgeAgent.Clips;

/// <summary>A sealed clip committed to the queue: its file, size and clear metadata (null when the file is damaged).</summary>
public sealed record QueuedClip(string Path, string ClipId, DateTimeOffset At, long Bytes, ClipMetadata? Metadata, string? Problem);
