namespace EdgeCloud.Storage;

/// <summary>
/// Windows this process has just committed and not yet rolled up, so that the roll-up need not read them back from
/// the store (for LiteDB, under the lock that ingest waits on). Bounded, the oldest dropped first: a window not found
/// here is read from the store, as it is after a restart or when another instance stored it. Thread-safe.
/// </summary>
public sealed class RecentWindows(int capacity)
{
    /// <summary>At ~1.5 KB of profile a window, ~30 MB at most.</summary>
    public const int DefaultCapacity = 20_000;

    private readonly Dictionary<string, WindowRecord> _byId = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();

    public RecentWindows()
        : this(DefaultCapacity)
    {
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public static string Key(string deviceId, string bootId, ulong seq) => $"{deviceId}/{bootId}/{seq}";

    /// <summary>Windows whose transaction has committed (never before: a rolled-back window must not be rolled up).</summary>
    public void Keep(IEnumerable<WindowRecord> committed)
    {
        lock (_lock)
        {
            foreach (WindowRecord w in committed)
            {
                string id = Key(w.DeviceId, w.BootId, w.Seq);
                if (_byId.TryAdd(id, w))
                {
                    _order.Enqueue(id);
                }

                // The order queue is bounded too: ids already taken only leave it here (removing them is a no-op).
                while (_order.Count > capacity)
                {
                    _byId.Remove(_order.Dequeue());
                }
            }
        }
    }

    /// <summary>The window with this key, removed: a roll-up has claimed it (only when it is that very window).</summary>
    public bool TryTake(string deviceId, string bootId, ulong seq, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WindowRecord? window) =>
        TryTake(Key(deviceId, bootId, seq), out window) && window.DeviceId == deviceId && window.BootId == bootId && window.Seq == seq;

    /// <summary>The window with this id, removed: a roll-up has claimed it.</summary>
    public bool TryTake(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WindowRecord? window)
    {
        lock (_lock)
        {
            return _byId.Remove(id, out window);
        }
    }
}
