using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;

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

    /// <summary>One window: half-second bursts of loud noise as "speech" (VAD 0.9) and room tone at <paramref name="noiseDb"/>.</summary>
    private static SignalProfile Window(Random rng, double noiseDb)
    {
        var profiler = new SignalProfiler();
        var frame = new float[512];
        int frames = (int)(WindowSeconds / SignalProfile.FrameSeconds);
        for (int i = 0; i < frames; i++)
        {
            bool speech = i / 16 % 2 == 0;
            double amplitude = speech ? 0.1 : Math.Pow(10, noiseDb / 20) * Math.Sqrt(3);
            for (int j = 0; j < frame.Length; j++)
            {
                frame[j] = (float)(amplitude * (rng.NextDouble() * 2 - 1));
            }

            profiler.Push(frame, speech ? 0.9f : 0.05f);
        }

        return profiler.Profile;
    }
}
