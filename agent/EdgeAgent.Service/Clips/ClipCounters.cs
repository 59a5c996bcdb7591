namespace EdgeAgent.Service.Clips;

/// <summary>What became of clips since the agent started (the health line shows them). Thread-safe.</summary>
internal sealed class ClipCounters
{
    private long _queued;
    private long _sent;
    private long _refused;
    private long _dropped;
    private long _silent;

    /// <summary>Sealed and committed to the queue.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>Stored by the cloud (201 or 200) and deleted from the queue.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Refused by the cloud for good (400, 403, 413) and deleted.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Not captured or not kept: over a quota, the queue's bytes or retention, the pending limit, audio no longer in the ring.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Empty or all digital silence: never queued.</summary>
    public long Silent => Interlocked.Read(ref _silent);

    public void AddQueued() => Interlocked.Increment(ref _queued);

    public void AddSent() => Interlocked.Increment(ref _sent);

    public void AddRefused() => Interlocked.Increment(ref _refused);

    public void AddDropped(long count = 1) => Interlocked.Add(ref _dropped, count);

    public void AddSilent() => Interlocked.Increment(ref _silent);
}
