using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Detection;

/// <summary>
/// Minimum effects adapted to a reference's own spread (NannyML-style): from the distances of its segments (a learned
/// baseline's windows, or the chunks <c>edgectl profile build</c> cut a reference into) to the whole, a feature's
/// minimum effect becomes mean + k·σ of those distances when that is larger than the default, so a reference whose
/// voices or room naturally vary more does not cry wolf. The speech mel fingerprint adapts the same way
/// (<see cref="FingerprintFeature"/>). Single segments vary more than the merged windows an evaluation uses, so the
/// adapted values err on the quiet side.
/// </summary>
public sealed class DriftThresholds
{
    /// <summary>Windows with evidence needed before a feature's threshold is adapted.</summary>
    public const int MinWindows = 3;

    /// <summary>The name the fingerprint's threshold goes by.</summary>
    public const string FingerprintFeature = "mel_fingerprint";

    public DriftThresholds(IReadOnlyDictionary<string, double> minEffects, IReadOnlyList<FeatureSpread>? spread = null)
    {
        MinEffects = minEffects;
        Spread = spread ?? [];
    }

    /// <summary>Feature name → adapted minimum effect (only features whose default was raised).</summary>
    public IReadOnlyDictionary<string, double> MinEffects { get; }

    /// <summary>The segment-level statistics the thresholds came from (empty when restored from older state).</summary>
    public IReadOnlyList<FeatureSpread> Spread { get; }

    public double MinEffect(ProfileFeature feature) => MinEffects.TryGetValue(feature.Name, out double v) ? v : feature.MinEffect;

    /// <summary>The fingerprint distance that counts as drift: adapted, or <paramref name="defaultDb"/>.</summary>
    public double FingerprintDb(double defaultDb) => MinEffects.TryGetValue(FingerprintFeature, out double v) ? Math.Max(v, defaultDb) : defaultDb;

    /// <param name="windows">The windows (segments) the baseline was learned from.</param>
    /// <param name="baseline">Their merge.</param>
    /// <param name="minEvidenceSeconds">Evidence a window needs for a feature (per scope) to count.</param>
    /// <param name="sigmas">k in mean + k·σ.</param>
    /// <param name="fingerprintDefaultDb">The fingerprint's default threshold.</param>
    public static DriftThresholds Learn(IReadOnlyList<SignalProfile> windows, SignalProfile baseline, Func<FeatureScope, double> minEvidenceSeconds, double sigmas, double fingerprintDefaultDb = 4) =>
        FromSpread(Measure(windows, baseline, minEvidenceSeconds), sigmas, fingerprintDefaultDb);

    /// <summary>Per feature, the mean and σ of the segments' distances from their merge.</summary>
    public static IReadOnlyList<FeatureSpread> Measure(IReadOnlyList<SignalProfile> windows, SignalProfile baseline, Func<FeatureScope, double> minEvidenceSeconds)
    {
        var spread = new List<FeatureSpread>();
        IReadOnlyList<ProfileFeature> catalog = FeatureCatalog.Features;
        for (int i = 0; i < catalog.Count; i++)
        {
            ProfileFeature f = catalog[i];
            var distances = new List<double>();
            foreach (SignalProfile w in windows)
            {
                if (DriftAnalyzer.Evidence(w, f.Scope) >= minEvidenceSeconds(f.Scope) && w.Histograms[i].Total > 0 && baseline.Histograms[i].Total > 0)
                {
                    distances.Add(DriftStatistics.Wasserstein(w.Histograms[i], baseline.Histograms[i], out _));
                }
            }

            Add(spread, f.Name, distances);
        }

        var fingerprint = windows
            .Where(w => DriftAnalyzer.Evidence(w, FeatureScope.CleanSpeech) >= minEvidenceSeconds(FeatureScope.CleanSpeech) && baseline.CleanSpeechFrames > 0)
            .Select(w => DriftStatistics.FingerprintDistance(w, baseline, out _))
            .ToList();
        Add(spread, FingerprintFeature, fingerprint);
        return spread;
    }

    /// <summary>Thresholds from segment-level statistics: mean + k·σ where that exceeds the default.</summary>
    public static DriftThresholds FromSpread(IReadOnlyList<FeatureSpread> spread, double sigmas, double fingerprintDefaultDb = 4)
    {
        var adapted = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (FeatureSpread s in spread.Where(s => s.Segments >= MinWindows))
        {
            double defaultEffect = s.Feature == FingerprintFeature ? fingerprintDefaultDb
                : FeatureCatalog.Features.FirstOrDefault(f => f.Name == s.Feature)?.MinEffect ?? double.PositiveInfinity;
            double learned = s.Mean + sigmas * s.Sigma;
            if (learned > defaultEffect)
            {
                adapted[s.Feature] = Math.Round(learned, 4);
            }
        }

        return new DriftThresholds(adapted, spread);
    }

    private static void Add(List<FeatureSpread> spread, string feature, List<double> distances)
    {
        if (distances.Count < 2)
        {
            return;
        }

        double mean = distances.Average();
        double sigma = Math.Sqrt(distances.Sum(d => (d - mean) * (d - mean)) / (distances.Count - 1));
        spread.Add(new FeatureSpread(feature, distances.Count, Math.Round(mean, 4), Math.Round(sigma, 4)));
    }
}
