namespace EdgeCtl.Analysis;

/// <summary>What <c>edgectl clips list --json</c> prints: the queue and each clip's clear metadata.</summary>
public sealed record ClipListReport(string Queue, IReadOnlyList<ClipListEntry> Clips, long TotalBytes);

/// <summary>One queued clip; a damaged file has only its id, time, size and <see cref="Problem"/>.</summary>
public sealed record ClipListEntry(
    string Id, DateTimeOffset At, string? Trigger, string? Keyword, double? Score, double? DurationSec, long Bytes, IReadOnlyList<string>? Models, string? Problem);
