namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// Count, mean, variance, min and max of a feature, kept as exact integer sums of values quantised to
/// 1/<see cref="Scale"/> of their unit, so that merging is exact addition: associative and commutative to the bit,
/// whatever order device minutes, hours and devices are merged in.
/// </summary>
public struct RunningMoments : IEquatable<RunningMoments>
{
    /// <summary>Quantisation: 1/1000 of the feature's unit (0.001 dB, 0.001 Hz).</summary>
    public const long Scale = 1000;

    /// <summary>The largest quantised magnitude a value keeps (values are clamped to ±1e9 units).</summary>
    public const long MaxQuantised = 1_000_000_000L * Scale;

    private long _count;
    private Int128 _sum;
    private Int128 _sumSquares;
    private long _min;
    private long _max;

    public readonly long Count => _count;

    /// <summary>The exact state, for encoding: count, quantised sum and sum of squares, quantised min and max.</summary>
    public readonly (long Count, Int128 Sum, Int128 SumSquares, long Min, long Max) Raw => (_count, _sum, _sumSquares, _min, _max);

    public static RunningMoments FromRaw(long count, Int128 sum, Int128 sumSquares, long min, long max)
    {
        if (count < 0 || (count > 0 && min > max))
        {
            throw new FormatException($"inconsistent moments: count {count}, min {min}, max {max}");
        }

        return new RunningMoments { _count = count, _sum = sum, _sumSquares = sumSquares, _min = min, _max = max };
    }

    public readonly double Mean => _count == 0 ? double.NaN : (double)_sum / _count / Scale;

    /// <summary>Sample variance (n − 1), computed exactly from the integer sums.</summary>
    public readonly double Variance
    {
        get
        {
            if (_count < 2)
            {
                return double.NaN;
            }

            Int128 numerator = _count * _sumSquares - _sum * _sum;
            return (double)numerator / ((double)_count * (_count - 1)) / (Scale * Scale);
        }
    }

    public readonly double Min => _count == 0 ? double.NaN : (double)_min / Scale;

    public readonly double Max => _count == 0 ? double.NaN : (double)_max / Scale;

    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            return;
        }

        long q = (long)Math.Round(Math.Clamp(value, -1e9, 1e9) * Scale);
        _min = _count == 0 ? q : Math.Min(_min, q);
        _max = _count == 0 ? q : Math.Max(_max, q);
        _count++;
        _sum += q;
        _sumSquares += (Int128)q * q;
    }

    /// <summary>The moments of both sets of values together.</summary>
    /// <exception cref="OverflowException">The sums do not fit (only moments beyond a profile's bounds get there).</exception>
    public readonly RunningMoments Merge(in RunningMoments other)
    {
        if (other._count == 0)
        {
            return this;
        }

        if (_count == 0)
        {
            return other;
        }

        RunningMoments m = this;
        m._count = checked(_count + other._count);
        m._sum = checked(_sum + other._sum);
        m._sumSquares = checked(_sumSquares + other._sumSquares);
        m._min = Math.Min(_min, other._min);
        m._max = Math.Max(_max, other._max);
        return m;
    }

    public readonly bool Equals(RunningMoments other) =>
        _count == other._count && _sum == other._sum && _sumSquares == other._sumSquares
        && (_count == 0 || (_min == other._min && _max == other._max));

    public override readonly bool Equals(object? obj) => obj is RunningMoments other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(_count, _sum, _sumSquares);

    public static bool operator ==(RunningMoments left, RunningMoments right) => left.Equals(right);

    public static bool operator !=(RunningMoments left, RunningMoments right) => !left.Equals(right);
}
