using CsCheck;
using EdgeCloud.Quality;

namespace EdgeCloud.Tests.Quality;

public sealed class WilsonTests
{
    [Theory]
    [InlineData(0, 0, 0.0, 1.0)] // nothing known
    [InlineData(0, 1, 0.0, 0.7935)]
    [InlineData(1, 1, 0.2065, 1.0)]
    [InlineData(8, 10, 0.4902, 0.9433)]
    [InlineData(45, 50, 0.7864, 0.9565)]
    [InlineData(0, 20, 0.0, 0.1611)]
    public void Interval_MatchesTheClosedForm(long successes, long trials, double low, double high)
    {
        (double l, double h) = Wilson.Interval(successes, trials);
        Assert.Equal(low, l, 4);
        Assert.Equal(high, h, 4);
    }

    [Fact]
    public void Interval_ContainsTheEstimate_StaysInTheUnitRange_AndNarrowsWithMoreTrials()
    {
        Gen.Select(Gen.Long[1, 100_000], Gen.Double[0, 1]).Sample((trials, share) =>
        {
            long successes = (long)Math.Round(share * trials);
            (double l, double h) = Wilson.Interval(successes, trials);
            (double l4, double h4) = Wilson.Interval(successes * 4, trials * 4);
            double p = (double)successes / trials;
            return l >= 0 && h <= 1 && l <= p + 1e-12 && p <= h + 1e-12 && h4 - l4 <= h - l + 1e-12;
        });
    }

    [Fact]
    public void Interval_RefusesImpossibleCounts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Wilson.Interval(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Wilson.Interval(-1, 2));
    }
}
