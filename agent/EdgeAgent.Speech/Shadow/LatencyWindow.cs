namespace EdgeAgent.Speech.Shadow;

/// <summary>The last 2048 latencies of a stage and their p95. Not thread-safe: callers hold their own lock.</summary>
public sealed class LatencyWindow
{
    private const int Size = 2048;
    private readonly double[] _values = new double[Size];
    private readonly double[] _sorted = new double[Size]; // P95's scratch: it is read on every health and update tick
    private long _count;

    public void Add(double ms) => _values[_count++ % Size] = ms;

    public void Clear() => _count = 0;

    public double P95()
    {
        int n = (int)Math.Min(_count, Size);
        if (n == 0)
        {
            return 0;
        }

        Span<double> sorted = _sorted.AsSpan(0, n);
        _values.AsSpan(0, n).CopyTo(sorted);
        sorted.Sort();
        return sorted[Math.Min(n - 1, (int)Math.Ceiling(0.95 * n) - 1)];
    }
}
