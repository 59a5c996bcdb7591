using EdgeCloud.Quality;

namespace EdgeCloud.Tests.Quality;

public sealed class WilsonTests
{
    [Fact]
    public void Wilson_NoTrials_HasNoEstimateAndTheWholeInterval()
    {
        Proportion p = Proportion.Wilson(0, 0);

        Assert.Null(p.Estimate);
        Assert.Equal((0.0, 1.0), (p.Low, p.High));
    }

    [Theory]
    [InlineData(1, 1, 1.0, 0.2065, 1.0)]
    [InlineData(0, 1, 0.0, 0.0, 0.7935)]
    [InlineData(8, 10, 0.8, 0.4902, 0.9433)]
    [InlineData(0, 10, 0.0, 0.0, 0.2775)]
    [InlineData(50, 100, 0.5, 0.4038, 0.5962)]
    public void Wilson_KnownCounts_GiveThePublishedInterval(long successes, long trials, double estimate, double low, double high)
    {
        Proportion p = Proportion.Wilson(successes, trials);

        Assert.Equal(estimate, p.Estimate!.Value, 10);
        Assert.Equal(low, p.Low, 4);
        Assert.Equal(high, p.High, 4);
    }

    [Fact]
    public void Wilson_NarrowsWithMoreTrials_AndAlwaysHoldsTheEstimate()
    {
        double previous = 1;
        foreach (long n in new long[] { 4, 40, 400, 4000 })
        {
            Proportion p = Proportion.Wilson(n * 3 / 4, n);
            Assert.InRange(p.Estimate!.Value, p.Low, p.High);
            Assert.True(p.High - p.Low < previous, $"n={n}: width {p.High - p.Low} is not below {previous}");
            previous = p.High - p.Low;
        }
    }

    [Fact]
    public void Wilson_MoreSuccessesThanTrials_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Proportion.Wilson(3, 2));
}
