using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Detection;

/// <summary>
/// Minimum effects adapted to one device: from the spread of its own windows around its learned baseline, a feature's
/// minimum effect becomes mean + k·σ of the windows' Wasserstein distances when that is larger than the default, so
/// a device whose room naturally varies more does not cry wolf. Single windows vary more than the merged windows an
/// evaluation uses, so the adapted values err on the quiet side.
/// </summary>
public sealed class DriftThresholds
{
    /// <summary>Windows with evidence needed before a feature's threshold is adapted.</summary>
    public const int MinWindows = 3;

    public DriftThresholds(IReadOnlyDictionary<string, double> minEffects) => MinEffects = minEffects;

    /// <summary>Feature name → adapted minimum effect (only features whose default was raised).</summary>
    public IReadOnlyDictionary<string, double> MinEffects { get; }

    public double MinEffect(ProfileFeature feature) => MinEffects.TryGetValue(feature.Name, out double v) ? v : feature.MinEffect;

    /// <param name="windows">The windows the baseline was learned from.</param>
    /// <param name="baseline">Their merge.</param>
    /// <param name="minEvidenceSeconds">Evidence a window needs for a feature (per scope) to count.</param>
    /// <param name="sigmas">k in mean + k·σ.</param>
    public static DriftThresholds Learn(IReadOnlyList<SignalProfile> windows, SignalProfile baseline, Func<FeatureScope, double> minEvidenceSeconds, double sigmas)
    {
        var adapted = new Dictionary<string, double>(StringComparer.Ordinal);
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

            if (distances.Count < MinWindows)
            {
                continue;
            }

            double mean = distances.Average();
            double sigma = Math.Sqrt(distances.Sum(d => (d - mean) * (d - mean)) / (distances.Count - 1));
            double learned = mean + sigmas * sigma;
            if (learned > f.MinEffect)
            {
                adapted[f.Name] = Math.Round(learned, 4);
            }
        }

        return new DriftThresholds(adapted);
    }
}
