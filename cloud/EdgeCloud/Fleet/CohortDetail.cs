using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;

namespace EdgeCloud.Fleet;

/// <summary>
/// One cohort over a period: its merged profile (exact histograms and mel bands), its drift report, the report of each
/// hour (or day), the reference and the thresholds the reports were made with.
/// </summary>
public sealed record CohortDetail(
    string Group,
    SignalProfile Profile,
    DriftReport Report,
    IReadOnlyList<(DateTimeOffset Hour, DriftReport Report)> Hours,
    DriftThresholds Thresholds,
    DriftOptions Options)
{
    /// <summary>What the cohort was compared with (the fleet reference, or a model version's training reference).</summary>
    public required SignalProfile Reference { get; init; }

    /// <summary>The name of <see cref="Reference"/>, as <see cref="CohortVerdict.Reference"/> spells it.</summary>
    public required string ReferenceName { get; init; }

    /// <summary>The 32-band fingerprint's feature name in reports.</summary>
    public const string Fingerprint = DriftThresholds.FingerprintFeature;

    /// <summary>
    /// The score a feature's drift test compares with its threshold: the Wasserstein distance (the rise, for a feature
    /// that alarms only when it rises), or the fingerprint's RMS band difference; null without evidence.
    /// </summary>
    public static double? Score(FeatureResult result)
    {
        if (result.Feature == Fingerprint)
        {
            return result.Wasserstein;
        }

        int index = FeatureCatalog.Features.ToList().FindIndex(f => f.Name == result.Feature);
        return index >= 0 && FeatureCatalog.Features[index].UpOnly ? result.Shift : result.Wasserstein;
    }

    /// <summary>The threshold of a signal feature or of the fingerprint, as the reports used it.</summary>
    public double Threshold(string feature) =>
        feature == Fingerprint
            ? Thresholds.FingerprintDb(Options.FingerprintThresholdDb)
            : Thresholds.MinEffect(FeatureCatalog.Features[FeatureCatalog.IndexOf(feature)]);

    /// <summary>Each hour's score of a feature (hours without evidence left out).</summary>
    public IReadOnlyList<(DateTimeOffset At, double Value)> HourlyScores(string feature) =>
        Hours.Select(h => (h.Hour, h.Report.Features.FirstOrDefault(f => f.Feature == feature) is { } r ? Score(r) : null))
            .Where(p => p.Item2 is not null).Select(p => (p.Hour, p.Item2!.Value)).ToList();
}
