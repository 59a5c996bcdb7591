using EdgeAgent.Contracts;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Storage;

namespace EdgeCloud.Fleet;

/// <summary>
/// Merges the windows of the last hours per cohort (devices sharing a label value) and runs the drift tests of each
/// cohort against the fleet reference profile. Merging is exact, so a cohort's profile is what one device hearing all
/// of its audio would have measured. The cohort's rate of change is the least-squares slope, per hour, of its hourly
/// medians (speech level, noise floor, spectral tilt) and of its fingerprint distance from the reference.
/// </summary>
public sealed class CohortDrift(ICloudStore store, TimeProvider time)
{
    public const string ModelPrefix = "model:";
    /// <summary>k of mean + k·σ for thresholds from the reference's own spread.</summary>
    private const double ThresholdSigmas = 3;
    private static readonly string[] s_trendFeatures = ["speech_level", "noise_floor", "spectral_tilt"];

    public async Task<IReadOnlyList<CohortVerdict>> EvaluateAsync(string groupBy, double hours, SignalProfile reference, CancellationToken cancellationToken)
    {
        IReadOnlyList<DeviceRecord> devices = await store.ListDevicesAsync(cancellationToken);
        var groupOf = devices.ToDictionary(d => d.DeviceId, d => GroupOf(d, groupBy), StringComparer.Ordinal);
        IReadOnlyList<WindowRecord> windows = await store.WindowsSinceAsync(time.GetUtcNow().AddHours(-hours), cancellationToken);

        var cohorts = new SortedDictionary<string, Cohort>(StringComparer.Ordinal);
        foreach (WindowRecord w in windows)
        {
            if (!groupOf.TryGetValue(w.DeviceId, out string? group))
            {
                continue;
            }

            if (!cohorts.TryGetValue(group, out Cohort? cohort))
            {
                cohorts[group] = cohort = new Cohort();
            }

            if (!TryMerge(cohort.Profile, w.Profile, out SignalProfile? profile))
            {
                continue; // stored before the bounds, or past the cohort's keyword bound: one device cannot blow up a cohort
            }

            cohort.Devices.Add(w.DeviceId);
            cohort.Windows++;
            DateTimeOffset hour = new(w.WindowEnd.UtcDateTime.Date.AddHours(w.WindowEnd.UtcDateTime.Hour), TimeSpan.Zero);
            if (!cohort.Hours.TryGetValue(hour, out SignalProfile? hourly))
            {
                cohort.Hours[hour] = hourly = new SignalProfile();
            }

            TryMerge(hourly, profile);
        }

        var options = new DriftOptions();
        var analyzer = new DriftAnalyzer(options);
        DriftThresholds thresholds = DriftThresholds.FromSpread(reference.Spread, ThresholdSigmas, options.FingerprintThresholdDb);
        return cohorts.Select(c =>
        {
            DriftReport report = analyzer.Compare(c.Value.Profile, reference, thresholds);
            return new CohortVerdict(c.Key, c.Value.Devices.Count, c.Value.Windows, report.Verdict, Math.Round(c.Value.Profile.SpeechSeconds, 1),
                report.Alarms, report.Families, Trends(c.Value.Hours, reference));
        }).ToList();
    }

    private static bool TryMerge(SignalProfile into, byte[] encoded, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SignalProfile? profile)
    {
        try
        {
            profile = ProfileCodec.Decode(encoded);
        }
        catch (FormatException)
        {
            profile = null;
            return false;
        }

        return TryMerge(into, profile);
    }

    private static bool TryMerge(SignalProfile into, SignalProfile profile)
    {
        try
        {
            into.MergeFrom(profile);
            return true;
        }
        catch (ProfileBoundsException)
        {
            return false;
        }
    }

    /// <summary>A label (deviceModel, micModel, firmware, site) or <c>model:{name}</c> (cohorts by that model's version).</summary>
    public static bool IsGroupable(string groupBy) =>
        DeviceLabels.Names.Contains(groupBy) || (groupBy.StartsWith(ModelPrefix, StringComparison.Ordinal) && groupBy.Length > ModelPrefix.Length);

    private static string GroupOf(DeviceRecord device, string groupBy) =>
        (groupBy.StartsWith(ModelPrefix, StringComparison.Ordinal)
            ? device.Models.FirstOrDefault(m => m.Name == groupBy[ModelPrefix.Length..])?.Version
            : device.Labels.Get(groupBy)) ?? "(none)";

    /// <summary>Slopes per hour over the hourly profiles (at least two hours with evidence).</summary>
    private static List<CohortTrend> Trends(SortedDictionary<DateTimeOffset, SignalProfile> hours, SignalProfile reference)
    {
        var trends = new List<CohortTrend>();
        if (hours.Count < 2)
        {
            return trends;
        }

        DateTimeOffset first = hours.Keys.First();
        foreach (string feature in s_trendFeatures)
        {
            int index = FeatureCatalog.IndexOf(feature);
            var points = hours.Where(h => h.Value.Histograms[index].Total > 0)
                .Select(h => ((h.Key - first).TotalHours, h.Value.Histograms[index].Quantile(0.5))).ToList();
            if (Slope(points) is { } slope)
            {
                trends.Add(new CohortTrend(feature, Math.Round(slope, 3), FeatureCatalog.Features[index].Unit, points.Count));
            }
        }

        var fingerprint = hours.Where(h => h.Value.CleanSpeechFrames > 0)
            .Select(h => ((h.Key - first).TotalHours, DriftStatistics.FingerprintDistance(h.Value, reference, out _))).ToList();
        if (Slope(fingerprint) is { } f)
        {
            trends.Add(new CohortTrend("fingerprint_distance", Math.Round(f, 3), "dB", fingerprint.Count));
        }

        return trends;
    }

    private static double? Slope(List<(double X, double Y)> points)
    {
        if (points.Count < 2)
        {
            return null;
        }

        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        double sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        return sxx == 0 ? null : points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
    }

    private sealed class Cohort
    {
        public SignalProfile Profile { get; } = new();

        public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

        public int Windows { get; set; }

        public SortedDictionary<DateTimeOffset, SignalProfile> Hours { get; } = [];
    }
}

public sealed record CohortVerdict(
    string Group,
    int Devices,
    int Windows,
    string Verdict,
    double SpeechSeconds,
    IReadOnlyList<DriftAlarm> Alarms,
    IReadOnlyList<FamilySummary> Families,
    IReadOnlyList<CohortTrend> Trends);

/// <summary>How fast a cohort's quantity moves: least-squares slope of its hourly medians, per hour.</summary>
public sealed record CohortTrend(string Feature, double RatePerHour, string Unit, int Hours);
