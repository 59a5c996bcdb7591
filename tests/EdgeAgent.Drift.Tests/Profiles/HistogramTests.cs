using CsCheck;
using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Tests.Profiles;

public sealed class HistogramTests
{
    private static readonly Gen<double[]> s_levels = Gen.Double[-120, 10].Array[0, 60];

    [Fact]
    public void MergeFrom_IsAssociativeCommutativeAndEqualsOnePass()
    {
        Gen.Select(s_levels, s_levels, s_levels).Sample((a, b, c) =>
        {
            Histogram left = Of(a);
            left.MergeFrom(Of(b));
            left.MergeFrom(Of(c));

            Histogram right = Of(b);
            right.MergeFrom(Of(c));
            Histogram all = Of(a);
            all.MergeFrom(right);

            Histogram swapped = Of(b);
            swapped.MergeFrom(Of(a));
            Histogram ab = Of(a);
            ab.MergeFrom(Of(b));

            Assert.Equal(left, all);
            Assert.Equal(ab, swapped);
            Assert.Equal(Of([.. a, .. b, .. c]), left);
        });
    }

    [Fact]
    public void Add_OutOfRange_GoesToUnderAndOverflow()
    {
        Histogram h = Of([-150, -100, -0.25, 5]);

        Assert.Equal(1, h.Counts[0]);
        Assert.Equal(1, h.Counts[^1]);
        Assert.Equal(4, h.Total);
        Assert.Equal(-99.75, h.Quantile(0.5), 6); // the centre of the 0.5 dB bin holding −100
    }

    [Fact]
    public void MergeFrom_OtherLayout_ThrowsNamingBoth()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Histogram(-100, 0.5, 200).MergeFrom(new Histogram(-100, 1, 100)));

        Assert.Contains("100 bins", ex.Message);
    }

    private static Histogram Of(double[] values)
    {
        var h = new Histogram(-100, 0.5, 200); // 0.5 dB bins from −100 to 0 dBFS
        foreach (double v in values)
        {
            h.Add(v);
        }

        return h;
    }
}
