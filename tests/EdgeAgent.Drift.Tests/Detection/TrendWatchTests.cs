using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Drift.Tests.Detection;

public sealed class TrendWatchTests
{
    private const double WindowSeconds = 10;

    [Fact]
    public void Observe_NoiseFloorStep_IsASuddenChange()
    {
        var trends = new TrendWatch(WindowSeconds);
        var rng = new Random(1);
        var found = new List<(int Window, DriftTrend Trend)>();
        for (int w = 0; w < 40; w++)
        {
            double noiseDb = w < 20 ? -60 : -45; // a fan switched on at window 20
            found.AddRange(trends.Observe(Window(rng, noiseDb), reference: null).Select(t => (w, t)));
        }

        (int window, DriftTrend noise) = Assert.Single(found, f => f.Trend.Feature == "noise_floor");
        Assert.InRange(window, 20, 23);
        Assert.Equal(DriftTrend.Sudden, noise.Change);
        Assert.Contains(found, f => f.Trend.Feature == "snr" && f.Trend.Change == DriftTrend.Sudden);
    }

    [Fact]
    public void Observe_NoiseFloorCreepingUp_IsAGradualChangeWithItsRate()
    {
        var trends = new TrendWatch(WindowSeconds);
        var rng = new Random(2);
        DriftTrend? noise = null;
        for (int w = 0; w < 80 && noise is null; w++)
        {
            double noiseDb = -65 + Math.Max(0, w - 10) * 0.5; // +0.5 dB a window from window 10: 180 dB/h at 10 s windows
            noise = trends.Observe(Window(rng, noiseDb), reference: null).FirstOrDefault(t => t.Feature == "noise_floor");
        }

        Assert.NotNull(noise);
        Assert.Equal(DriftTrend.Gradual, noise.Change);
        Assert.InRange(noise.RatePerHour, 120, 240);
        Assert.True(noise.WindowsSinceOnset > TrendWatch.SuddenWindows);
    }

    [Fact]
    public void Observe_SteadyRoom_ReportsNothing()
    {
        var trends = new TrendWatch(WindowSeconds);
        var rng = new Random(3);
        for (int w = 0; w < 100; w++)
        {
            Assert.Empty(trends.Observe(Window(rng, -60 + rng.NextDouble() - 0.5), reference: null));
        }
    }

    private static SignalProfile Window(Random rng, double noiseDb) => SyntheticRoom.Profile(rng, noiseDb, WindowSeconds);
}
