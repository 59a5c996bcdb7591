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

    [Fact]
    public void Observe_LoopedRecording_ReportsNothing()
    {
        // A looped file: the same seven windows again and again, their noise floors swinging by up to 21 dB.
        var trends = new TrendWatch(WindowSeconds);
        var rng = new Random(4);
        double[] loop = [-60, -44, -58, -62, -41, -59, -50];
        var found = new List<DriftTrend>();
        for (int w = 0; w < 140; w++)
        {
            found.AddRange(trends.Observe(Window(rng, loop[w % loop.Length]), reference: null));
        }

        Assert.Empty(found);
    }

    [Fact]
    public void Observe_StepThatStays_IsReportedOnceWithItsLevels()
    {
        var trends = new TrendWatch(WindowSeconds);
        var rng = new Random(5);
        var found = new List<(int Window, DriftTrend Trend)>();
        for (int w = 0; w < 120; w++)
        {
            double noiseDb = (w < 30 ? -62 : -50) + rng.NextDouble() - 0.5; // +12 dB at window 30, for the next 90 windows
            found.AddRange(trends.Observe(Window(rng, noiseDb), reference: null).Select(t => (w, t)));
        }

        (int window, DriftTrend noise) = Assert.Single(found, f => f.Trend.Feature == "noise_floor");
        Assert.InRange(window, 31, 34);
        Assert.Equal(DriftTrend.Sudden, noise.Change);
        Assert.InRange(noise.From, -63, -61);
        Assert.InRange(noise.To, -51, -49);
        Assert.True(noise.CrossesThreshold, "a 12 dB step crosses the noise floor's 6 dB drift threshold");
    }

    [Fact]
    public void Observe_SmallStep_IsInformationNotDrift()
    {
        var trends = new TrendWatch(WindowSeconds);
        var rng = new Random(6);
        var found = new List<DriftTrend>();
        for (int w = 0; w < 80; w++)
        {
            found.AddRange(trends.Observe(Window(rng, w < 30 ? -62 : -58), reference: null)); // +4 dB: a change, not drift
        }

        DriftTrend noise = Assert.Single(found, f => f.Feature == "noise_floor");
        Assert.False(noise.CrossesThreshold);
    }

    private static SignalProfile Window(Random rng, double noiseDb) => SyntheticRoom.Profile(rng, noiseDb, WindowSeconds);
}
