using EdgeAgent.Drift.Detection;

namespace EdgeAgent.Drift.Tests.Detection;

public sealed class PageHinkleyTests
{
    [Fact]
    public void Add_StationaryNoise_NeverFires()
    {
        var test = new PageHinkley(delta: 1, lambda: 20);
        var rng = new Random(3);

        for (int i = 0; i < 2000; i++)
        {
            Assert.False(test.Add(-60 + (rng.NextDouble() - 0.5) * 2), $"fired at {i}");
        }
    }

    [Fact]
    public void Add_SuddenStep_FiresSoonAndLocatesTheChange()
    {
        var test = new PageHinkley(delta: 1, lambda: 20);
        var rng = new Random(4);
        int firedAt = -1;
        for (int i = 0; i < 200 && firedAt < 0; i++)
        {
            double level = i < 100 ? -60 : -48; // the noise floor jumps 12 dB at window 100
            if (test.Add(level + (rng.NextDouble() - 0.5)))
            {
                firedAt = i;
            }
        }

        Assert.InRange(firedAt, 100, 104);
        Assert.InRange(test.ChangeAt!.Value, 99, 102);
    }

    [Fact]
    public void Slope_GradualDrift_ReportsTheRate()
    {
        var test = new PageHinkley(delta: 1, lambda: 1000);
        for (int i = 0; i < 30; i++)
        {
            test.Add(-60 + 0.25 * i); // +0.25 dB per window
        }

        Assert.Equal(0.25, test.Slope(), 6);
    }
}
