using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Detection;

/// <summary>
/// Watches per-window medians of the quantities that drift slowly or suddenly in the field — noise floor, SNR,
/// spectral tilt, clip rate and the distance of the speech fingerprint from the reference — and reports each change
/// once (<see cref="TrendTracker"/>: Page–Hinkley proposes, hysteresis confirms): <c>sudden</c> when Page–Hinkley found
/// it within <see cref="SuddenWindows"/> windows of its onset, else <c>gradual</c>, with its rate per hour, and whether
/// the new level crosses the drift threshold of its feature (against the reference when there is one). A window
/// without enough evidence for a quantity is skipped for it.
/// </summary>
public sealed class TrendWatch
{
    /// <summary>A change detected within this many windows of its onset is sudden; later, gradual.</summary>
    public const int SuddenWindows = 3;

    private const double MinSpeechSeconds = 3;
    private const double MinNonSpeechSeconds = 3;

    private readonly Tracked[] _tracked;
    private readonly double _windowsPerHour;

    /// <param name="windowSeconds">Length of one window.</param>
    /// <param name="fingerprintThresholdDb">The fingerprint distance that counts as drift.</param>
    public TrendWatch(double windowSeconds, double fingerprintThresholdDb = 4)
    {
        _windowsPerHour = 3600 / windowSeconds;
        _tracked =
        [
            new("noise_floor", "dB", new TrendTracker(delta: 1, lambda: 15, minChange: 3), 6,
                (w, _) => Enough(w.NonSpeechFrames, MinNonSpeechSeconds) ? Median(w, "noise_floor") : double.NaN, r => Median(r, "noise_floor")),
            new("snr", "dB", new TrendTracker(delta: 1, lambda: 15, minChange: 3), 6,
                (w, _) => Enough(w.SpeechFrames, MinSpeechSeconds) && Enough(w.NonSpeechFrames, MinNonSpeechSeconds) ? Snr(w) : double.NaN, Snr),
            new("spectral_tilt", "dB/oct", new TrendTracker(delta: 0.5, lambda: 6, minChange: 1), 2,
                (w, _) => Enough(w.CleanSpeechFrames, MinSpeechSeconds) ? Median(w, "spectral_tilt") : double.NaN, r => Median(r, "spectral_tilt")),
            new("clip_rate", "ratio", new TrendTracker(delta: 0.001, lambda: 0.02, minChange: 0.001), 0.002,
                (w, _) => w.Frames > 0 ? Mean(w, "clipped_fraction") : double.NaN, r => Mean(r, "clipped_fraction")),
            new("fingerprint_distance", "dB", new TrendTracker(delta: 0.5, lambda: 8, minChange: 1), fingerprintThresholdDb,
                (w, r) => r is not null && Enough(w.CleanSpeechFrames, MinSpeechSeconds) ? DriftStatistics.FingerprintDistance(w, r, out _) : double.NaN, _ => 0),
        ];
    }

    /// <summary>Feeds one closed window; returns the changes it confirms (usually none, never the same change twice).</summary>
    public IReadOnlyList<DriftTrend> Observe(SignalProfile window, SignalProfile? reference)
    {
        List<DriftTrend>? found = null;
        foreach (Tracked t in _tracked)
        {
            if (t.Tracker.Add(t.Value(window, reference)) is not { } change)
            {
                continue;
            }

            double referenceLevel = reference is not null && reference.Frames > 0 ? t.ReferenceLevel(reference) : change.From;
            bool crosses = double.IsFinite(referenceLevel) && Math.Abs(change.To - referenceLevel) >= t.DriftThreshold;
            (found ??= []).Add(new DriftTrend(
                t.Name,
                change.Sudden ? DriftTrend.Sudden : DriftTrend.Gradual,
                change.WindowsSinceOnset,
                Math.Round(change.RatePerWindow * _windowsPerHour, 4),
                t.Unit,
                Math.Round(change.From, 4),
                Math.Round(change.To, 4),
                crosses));
        }

        return found ?? (IReadOnlyList<DriftTrend>)[];
    }

    private static bool Enough(long frames, double seconds) => frames * SignalProfile.FrameSeconds >= seconds;

    private static double Snr(SignalProfile p) => Median(p, "speech_level") - Median(p, "noise_floor");

    private static double Median(SignalProfile p, string feature)
    {
        Histogram h = p.Histograms[FeatureCatalog.IndexOf(feature)];
        return h.Total == 0 ? double.NaN : h.Quantile(0.5);
    }

    private static double Mean(SignalProfile p, string feature) => p.Moments[FeatureCatalog.IndexOf(feature)].Mean;

    private sealed record Tracked(
        string Name,
        string Unit,
        TrendTracker Tracker,
        double DriftThreshold,
        Func<SignalProfile, SignalProfile?, double> Value,
        Func<SignalProfile, double> ReferenceLevel);
}
