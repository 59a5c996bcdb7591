using EdgeAgent.Service.Recording;

namespace EdgeAgent.Service.Tests.Recording;

/// <summary>A writer whose first write blocks until released (a stalled SD card); it records what it wrote.</summary>
internal sealed class BlockingWriter : IBatchWriter<int>, IDisposable
{
    private readonly List<int> _written = [];
    private readonly ManualResetEventSlim _gate = new(false);

    public ManualResetEventSlim Entered { get; } = new(false);

    public int[] Written
    {
        get
        {
            lock (_written)
            {
                return _written.ToArray();
            }
        }
    }

    public void Release() => _gate.Set();

    public void Write(IReadOnlyList<int> batch)
    {
        Entered.Set();
        _gate.Wait();
        lock (_written)
        {
            _written.AddRange(batch);
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        Entered.Dispose();
    }
}

/// <summary>A writer that fails its first <c>failures</c> writes (all of them when negative).</summary>
internal sealed class FailingWriter(int failures) : IBatchWriter<int>
{
    private readonly List<int> _written = [];
    private int _attempts;

    public int Attempts => Volatile.Read(ref _attempts);

    public int[] Written
    {
        get
        {
            lock (_written)
            {
                return _written.ToArray();
            }
        }
    }

    public void Write(IReadOnlyList<int> batch)
    {
        int attempt = Interlocked.Increment(ref _attempts);
        if (failures < 0 || attempt <= failures)
        {
            throw new IOException($"disk busy (attempt {attempt})");
        }

        lock (_written)
        {
            _written.AddRange(batch);
        }
    }
}
