using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Detection;

/// <summary>
/// Page–Hinkley on per-window medians of the quantities that drift slowly or suddenly in the field — noise floor,
/// SNR, spectral tilt, clip rate and the distance of the speech fingerprint from the reference — to tell a sudden
/// step (detected within <see cref="SuddenWindows"/> windows of its onset) from a gradual drift, with the rate of
/// change per hour. A window without enough evidence for a quantity is skipped for it.
/// </summary>
public sealed class TrendWatch
{
    /// <summary>A change detected within this many windows of its onset is sudden; later, gradual.</summary>
    public const int SuddenWindows = 3;

    private const double MinSpeechSeconds = 3;
    private const double MinNonSpeechSeconds = 3;

    private readonly (string Name, string Unit, PageHinkley Test, Func<SignalProfile, SignalProfile?, double> Value)[] _tracked;
    private readonly double _windowsPerHour;

    public TrendWatch(double windowSeconds)
    {
        _windowsPerHour = 3600 / windowSeconds;
        _tracked =
        [
            ("noise_floor", "dB", new PageHinkley(delta: 1, lambda: 15), (w, _) => Enough(w.NonSpeechFrames, MinNonSpeechSeconds) ? Median(w, "noise_floor") : double.NaN),
            ("snr", "dB", new PageHinkley(delta: 1, lambda: 15), (w, _) => Enough(w.SpeechFrames, MinSpeechSeconds) && Enough(w.NonSpeechFrames, MinNonSpeechSeconds) ? Median(w, "speech_level") - Median(w, "noise_floor") : double.NaN),
            ("spectral_tilt", "dB/oct", new PageHinkley(delta: 0.5, lambda: 6), (w, _) => Enough(w.CleanSpeechFrames, MinSpeechSeconds) ? Median(w, "spectral_tilt") : double.NaN),
            ("clip_rate", "ratio", new PageHinkley(delta: 0.001, lambda: 0.02), (w, _) => w.Frames > 0 ? Mean(w, "clipped_fraction") : double.NaN),
            ("fingerprint_distance", "dB", new PageHinkley(delta: 0.5, lambda: 8), (w, r) => r is not null && Enough(w.CleanSpeechFrames, MinSpeechSeconds) ? DriftStatistics.FingerprintDistance(w, r, out _) : double.NaN),
        ];
    }

    /// <summary>Feeds one closed window; returns the changes it completes (usually none).</summary>
    public IReadOnlyList<DriftTrend> Observe(SignalProfile window, SignalProfile? reference)
    {
        List<DriftTrend>? found = null;
        foreach ((string name, string unit, PageHinkley test, Func<SignalProfile, SignalProfile?, double> value) in _tracked)
        {
            double v = value(window, reference);
            if (!test.Add(v))
            {
                continue;
            }

            long onset = test.ChangeAt ?? test.Count;
            long windows = test.Count - onset + 1;
            string kind = windows <= SuddenWindows ? DriftTrend.Sudden : DriftTrend.Gradual;
            (found ??= []).Add(new DriftTrend(name, kind, windows, Math.Round(test.Slope() * _windowsPerHour, 4), unit));
            test.Reset();
        }

        return found ?? (IReadOnlyList<DriftTrend>)[];
    }

    private static bool Enough(long frames, double seconds) => frames * SignalProfile.FrameSeconds >= seconds;

    private static double Median(SignalProfile p, string feature) => p.Histograms[FeatureCatalog.IndexOf(feature)].Quantile(0.5);

    private static double Mean(SignalProfile p, string feature) => p.Moments[FeatureCatalog.IndexOf(feature)].Mean;
}

/// <summary>
/// A sustained change of a per-window quantity: <c>sudden</c> or <c>gradual</c>, how many windows since it began, and
/// the rate of change per hour over the recent windows.
/// </summary>
public sealed record DriftTrend(string Feature, string Change, long WindowsSinceOnset, double RatePerHour, string Unit)
{
    public const string Sudden = "sudden";
    public const string Gradual = "gradual";
}
