using CsCheck;
using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Tests.Profiles;

public sealed class RunningMomentsTests
{
    private static readonly Gen<double[]> s_values = Gen.Double[-150, 150].Array[0, 40];

    [Fact]
    public void Merge_IsAssociativeCommutativeAndEqualsOnePass()
    {
        Gen.Select(s_values, s_values, s_values).Sample((a, b, c) =>
        {
            RunningMoments ma = Of(a), mb = Of(b), mc = Of(c);

            Assert.Equal(ma.Merge(mb).Merge(mc), ma.Merge(mb.Merge(mc)));
            Assert.Equal(ma.Merge(mb), mb.Merge(ma));
            Assert.Equal(Of([.. a, .. b, .. c]), ma.Merge(mb).Merge(mc));
        });
    }

    [Fact]
    public void Moments_KnownValues_MeanVarianceMinMax()
    {
        RunningMoments m = Of([-20, -10, 0, 10, 20]);

        Assert.Equal(5, m.Count);
        Assert.Equal(0, m.Mean, 9);
        Assert.Equal(250, m.Variance, 6);
        Assert.Equal(-20, m.Min);
        Assert.Equal(20, m.Max);
    }

    [Fact]
    public void Add_NonFinite_IsIgnored()
    {
        RunningMoments m = Of([double.NaN, double.PositiveInfinity, 3]);

        Assert.Equal(1, m.Count);
        Assert.Equal(3, m.Mean, 9);
    }

    private static RunningMoments Of(double[] values)
    {
        var m = default(RunningMoments);
        foreach (double v in values)
        {
            m.Add(v);
        }

        return m;
    }
}
