using System.Globalization;
using EdgeAgent.Contracts;

namespace EdgeAgent.Clips;

/// <summary>
/// The device's clip queue: a directory of sealed envelopes (<see cref="ClipEnvelope"/>), one file per clip, named
/// <c>&lt;unix ms of the first sample&gt;-&lt;clipId&gt;.clip</c> so that the name orders them oldest first. A clip is
/// written to a temporary file, flushed to the disk and renamed into place: a crash (kill -9, power) leaves either the
/// whole clip or a temporary file, which is never listed or sent and is deleted by the next instance. Nothing but sealed
/// bytes ever touches the directory. Safe to use from several threads of one process.
/// </summary>
public sealed class ClipQueue
{
    public const string DirectoryName = "clips";
    public const string Extension = ".clip";
    private const string TempPrefix = ".tmp-";
    private readonly Lock _gate = new();

    /// <summary>
    /// Opens the queue under <paramref name="dataDir"/>. Its <paramref name="owner"/> (the agent) creates it and deletes
    /// the temporary files a crash left; anyone else (edgectl, next to a running agent) leaves them alone, since they
    /// may be the owner's writes in progress.
    /// </summary>
    public ClipQueue(string dataDir, bool owner = true)
    {
        Root = Path.Combine(dataDir, DirectoryName);
        if (!owner)
        {
            return;
        }

        Directory.CreateDirectory(Root);
        foreach (string leftover in Directory.EnumerateFiles(Root, TempPrefix + "*"))
        {
            File.Delete(leftover);
            LeftoversDeleted++;
        }
    }

    public string Root { get; }

    /// <summary>Temporary files of interrupted writes deleted when the queue was opened.</summary>
    public int LeftoversDeleted { get; }

    /// <summary>Commits a sealed clip durably; returns its entry.</summary>
    public QueuedClip Commit(ClipMetadata metadata, byte[] sealedClip)
    {
        string name = $"{metadata.At.ToUnixTimeMilliseconds().ToString("D13", CultureInfo.InvariantCulture)}-{metadata.ClipId}{Extension}";
        if (!IsValidClipId(metadata.ClipId))
        {
            throw new ArgumentException($"clip id '{metadata.ClipId}' is not 32 lower-case hex digits", nameof(metadata));
        }

        string temp = Path.Combine(Root, TempPrefix + metadata.ClipId);
        string final = Path.Combine(Root, name);
        lock (_gate)
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                file.Write(sealedClip);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, final, overwrite: true);
        }

        return new QueuedClip(final, metadata.ClipId, metadata.At, sealedClip.Length, metadata, null);
    }

    /// <summary>The committed clips, oldest first, each with its metadata read without a key.</summary>
    public IReadOnlyList<QueuedClip> List()
    {
        var clips = new List<QueuedClip>();
        foreach (string path in Files())
        {
            if (Describe(path) is { } clip)
            {
                clips.Add(clip);
            }
        }

        return clips;
    }

    /// <summary>The oldest committed clip's file, or null when the queue is empty.</summary>
    public QueuedClip? Oldest() => Files().Select(Describe).FirstOrDefault(c => c is not null);

    public long TotalBytes() => Files().Sum(Length);

    public int Count => Files().Count;

    /// <summary>Deletes one clip (sent, refused, dropped or purged); false when it was already gone.</summary>
    public bool Delete(QueuedClip clip)
    {
        lock (_gate)
        {
            if (!File.Exists(clip.Path))
            {
                return false;
            }

            File.Delete(clip.Path);
            return true;
        }
    }

    /// <summary>Deletes every clip, or the one with <paramref name="clipId"/>; returns how many were deleted.</summary>
    public int Purge(string? clipId = null)
    {
        int deleted = 0;
        foreach (QueuedClip clip in List().Where(c => clipId is null || c.ClipId == clipId))
        {
            deleted += Delete(clip) ? 1 : 0;
        }

        return deleted;
    }

    /// <summary>
    /// Applies the policy's bounds: clips older than <paramref name="retention"/> are deleted, then the oldest until
    /// the queue holds at most <paramref name="maxBytes"/>. Returns the clips dropped.
    /// </summary>
    public IReadOnlyList<QueuedClip> Enforce(long maxBytes, TimeSpan retention, DateTimeOffset now)
    {
        var dropped = new List<QueuedClip>();
        List<QueuedClip> clips = Files().Select(Peek).ToList();
        long total = clips.Sum(c => c.Bytes);
        foreach (QueuedClip clip in clips)
        {
            bool expired = now - clip.At > retention;
            if (!expired && total <= maxBytes)
            {
                continue;
            }

            if (Delete(clip))
            {
                dropped.Add(clip);
            }

            total -= clip.Bytes;
        }

        return dropped;
    }

    public static bool IsValidClipId(string id) => id.Length == 32 && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private List<string> Files() => !Directory.Exists(Root) ? [] : Directory.EnumerateFiles(Root, "*" + Extension)
        .Where(f => !Path.GetFileName(f).StartsWith(TempPrefix, StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>A clip's entry from its name and size alone (no metadata).</summary>
    private static QueuedClip Peek(string path)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        int dash = name.IndexOf('-', StringComparison.Ordinal);
        DateTimeOffset at = dash > 0 && long.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : DateTimeOffset.MinValue;
        return new QueuedClip(path, dash > 0 ? name[(dash + 1)..] : name, at, Length(path), null, null);
    }

    private static long Length(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    private static QueuedClip? Describe(string path)
    {
        QueuedClip entry = Peek(path);
        string id = entry.ClipId;
        DateTimeOffset at = entry.At;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null; // sent or purged meanwhile
        }

        try
        {
            return new QueuedClip(path, id, at, bytes.Length, ClipEnvelope.ReadMetadata(bytes), null);
        }
        catch (ClipFormatException ex)
        {
            return new QueuedClip(path, id, at, bytes.Length, null, ex.Message);
        }
    }
}
