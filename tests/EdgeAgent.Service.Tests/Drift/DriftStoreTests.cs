using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Storage;

namespace EdgeAgent.Service.Tests.Drift;

public sealed class DriftStoreTests : IDisposable
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 23, 9, 58, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("drift-store-").FullName;

    [Fact]
    public void SaveWindow_MergesMinutesIntoTheirHours_AcrossReopening()
    {
        var windows = Enumerable.Range(0, 5).Select(i => Window(s_t0.AddMinutes(i), seed: i)).ToList();
        using (var store = new DriftStore(_dir, retainWindows: 100))
        {
            windows.Take(3).ToList().ForEach(store.SaveWindow); // ends 09:59, 10:00, 10:01
        }

        using (var store = new DriftStore(_dir, retainWindows: 100))
        {
            windows.Skip(3).ToList().ForEach(store.SaveWindow); // ends 10:02, 10:03
            var hours = store.LoadHours(s_t0.AddHours(-1));

            Assert.Equal([s_t0.AddMinutes(-58), s_t0.AddMinutes(2)], hours.Select(h => h.Start));
            Assert.Equal([1, 4], hours.Select(h => h.Windows));
            var tenOClock = new SignalProfile();
            windows.Skip(1).ToList().ForEach(w => tenOClock.MergeFrom(w.Profile));
            Assert.Equal(tenOClock.Frames, hours[1].Profile.Frames);
            for (int i = 0; i < tenOClock.Histograms.Count; i++)
            {
                Assert.Equal(tenOClock.Histograms[i], hours[1].Profile.Histograms[i]);
                Assert.Equal(tenOClock.Moments[i], hours[1].Profile.Moments[i]);
            }

            Assert.Equal(tenOClock.Predictions.Keywords["alexa"].Scores, hours[1].Profile.Predictions.Keywords["alexa"].Scores);
        }
    }

    [Fact]
    public void SaveWindow_KeepsOnlyTheRetainedWindowsAndHours()
    {
        using var store = new DriftStore(_dir, retainWindows: 3, retainHours: 2);
        for (int i = 0; i < 6; i++)
        {
            store.SaveWindow(Window(s_t0.AddHours(i), seed: i));
        }

        Assert.Equal(3, store.WindowCount);
        Assert.Equal(2, store.HourCount);
        Assert.Equal([s_t0.AddHours(4).AddMinutes(-58), s_t0.AddHours(5).AddMinutes(-58)], store.LoadHours(s_t0).Select(h => h.Start));
    }

    [Fact]
    public void SaveBaseline_KeepsTheAdaptedThresholds()
    {
        DriftWindow window = Window(s_t0, seed: 1);
        using (var store = new DriftStore(_dir, retainWindows: 10))
        {
            store.SaveBaseline(window.Profile, new DriftThresholds(new Dictionary<string, double> { ["speech_level"] = 4.5 }), s_t0);
        }

        using (var store = new DriftStore(_dir, retainWindows: 10))
        {
            (SignalProfile profile, DriftThresholds thresholds, DateTimeOffset learnedAt) = store.LoadBaseline()!.Value;

            Assert.Equal(window.Profile.Frames, profile.Frames);
            Assert.Equal(4.5, thresholds.MinEffects["speech_level"]);
            Assert.Equal(s_t0, learnedAt);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A window of noise bursts ending a minute after <paramref name="start"/>, with some keyword scores.</summary>
    private static DriftWindow Window(DateTimeOffset start, int seed)
    {
        var rng = new Random(seed);
        var profiler = new SignalProfiler();
        var frame = new float[512];
        for (int i = 0; i < 300; i++)
        {
            float amplitude = i / 16 % 2 == 0 ? 0.1f : 0.001f;
            for (int j = 0; j < frame.Length; j++)
            {
                frame[j] = amplitude * (float)(rng.NextDouble() * 2 - 1);
            }

            profiler.Push(frame, amplitude > 0.01f ? 0.9f : 0.1f);
            profiler.Predictions.AddScore("alexa", (float)rng.NextDouble());
        }

        return new DriftWindow(start, start.AddMinutes(1), profiler.Profile, null, [], [], BaselineLearned: false);
    }
}
