using System.Collections.Concurrent;

namespace EdgeCloud.Ingest;

/// <summary>
/// Keeps a flood from flooding the log: counts occurrences per key and says to log the first few, then every power of
/// two (so a device sending garbage all day costs a few dozen lines, and the count says how many there were).
/// </summary>
public sealed class LogThrottle<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, long> _counts;

    public LogThrottle(IEqualityComparer<TKey>? comparer = null) => _counts = new ConcurrentDictionary<TKey, long>(comparer);

    /// <summary>Counts one more for <paramref name="key"/>; true when this one should be logged (<paramref name="count"/> is the count so far).</summary>
    public bool Count(TKey key, out long count)
    {
        count = _counts.AddOrUpdate(key, 1, (_, c) => c + 1);
        return count <= 3 || long.IsPow2(count);
    }
}
