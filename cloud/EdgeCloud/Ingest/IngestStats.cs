using System.Collections.Concurrent;

namespace EdgeCloud.Ingest;

/// <summary>What ingestion accepted, recognised as duplicates and rejected (by reason), since this instance started.</summary>
public sealed class IngestStats
{
    private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private long _accepted;
    private long _duplicates;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public IReadOnlyDictionary<string, long> Rejected => _rejected.ToDictionary(r => r.Key, r => r.Value);

    public void Accept() => Interlocked.Increment(ref _accepted);

    public void Duplicate() => Interlocked.Increment(ref _duplicates);

    public void Reject(string reason) => _rejected.AddOrUpdate(reason, 1, (_, n) => n + 1);
}
