namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// A fixed-bin histogram in physical units (e.g. 0.5 dB bins from −100 to 0 dBFS) with under- and overflow bins.
/// Two histograms of the same layout merge by adding counts, exactly.
/// </summary>
public sealed class Histogram : IEquatable<Histogram>
{
    private readonly long[] _counts; // [0] underflow, [1..Bins] bins, [Bins + 1] overflow

    public Histogram(double min, double binWidth, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(binWidth, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        Min = min;
        BinWidth = binWidth;
        Bins = bins;
        _counts = new long[bins + 2];
    }

    public double Min { get; }

    public double BinWidth { get; }

    public int Bins { get; }

    public double Max => Min + BinWidth * Bins;

    public long Total { get; private set; }

    /// <summary>Counts including under- (index 0) and overflow (last).</summary>
    public ReadOnlySpan<long> Counts => _counts;

    public void Add(double value)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        double position = (value - Min) / BinWidth;
        int index = position < 0 ? 0 : position >= Bins ? Bins + 1 : (int)position + 1;
        _counts[index]++;
        Total++;
    }

    /// <summary>Adds <paramref name="other"/>'s counts into this histogram.</summary>
    /// <exception cref="ArgumentException">The layouts differ.</exception>
    /// <exception cref="OverflowException">The total would not fit a long; nothing is changed.</exception>
    public void MergeFrom(Histogram other)
    {
        if (!SameLayout(other))
        {
            throw new ArgumentException($"cannot merge a histogram of [{other.Min}, {other.Max}) in {other.Bins} bins into [{Min}, {Max}) in {Bins} bins");
        }

        long total = checked(Total + other.Total); // every count is at most the total, so no count overflows either
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Total = total;
    }

    /// <summary>Sets the counts from an encoding (index 0 underflow … Bins + 1 overflow).</summary>
    public void Load(ReadOnlySpan<long> counts)
    {
        if (counts.Length != _counts.Length)
        {
            throw new FormatException($"histogram needs {_counts.Length} counts, got {counts.Length}");
        }

        long total = 0;
        foreach (long c in counts)
        {
            if (c < 0)
            {
                throw new FormatException("histogram counts must not be negative");
            }

            total = total > long.MaxValue - c ? throw new FormatException("histogram counts add up beyond a long") : total + c;
        }

        counts.CopyTo(_counts);
        Total = total;
    }

    /// <summary>The value below which <paramref name="fraction"/> of the counts lie (bin centre; NaN when empty).</summary>
    public double Quantile(double fraction)
    {
        if (Total == 0)
        {
            return double.NaN;
        }

        long target = (long)Math.Ceiling(Math.Clamp(fraction, 0, 1) * Total);
        long cumulative = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            cumulative += _counts[i];
            if (cumulative >= Math.Max(1, target))
            {
                return i == 0 ? Min : i == Bins + 1 ? Max : Min + (i - 0.5) * BinWidth;
            }
        }

        return Max;
    }

    public bool SameLayout(Histogram other) => Min == other.Min && BinWidth == other.BinWidth && Bins == other.Bins;

    public bool Equals(Histogram? other) => other is not null && SameLayout(other) && _counts.AsSpan().SequenceEqual(other._counts);

    public override bool Equals(object? obj) => Equals(obj as Histogram);

    public override int GetHashCode() => HashCode.Combine(Min, BinWidth, Bins, Total);
}
