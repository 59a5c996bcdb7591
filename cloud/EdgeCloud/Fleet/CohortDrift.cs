using EdgeAgent.Contracts;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Storage;

namespace EdgeCloud.Fleet;

/// <summary>
/// Merges each cohort's rollup rows (devices sharing a label value, see <see cref="RollupBuilder"/>) over the last
/// hours and runs the drift tests of each cohort against the fleet reference profile (a cohort by model version against
/// that version's training reference, when it ships one: <see cref="ModelReferences"/>). Merging is exact, so a cohort's
/// profile is what one device hearing all of its audio would have measured, and the rows give the same answer as the
/// windows they were made of. The period is served at hour granularity (the hour holding its start counts whole) from
/// hourly rows, and beyond <see cref="HourlyRowsFor"/> from daily rows (the day holding its start counts whole). The
/// cohort's rate of change is the least-squares slope, per hour, of its hourly (daily) medians (speech level, noise
/// floor, spectral tilt) and of its fingerprint distance from the reference.
/// </summary>
public sealed class CohortDrift(ICloudStore store, TimeProvider time, string instance = "local")
{
    public const string ModelPrefix = RollupBuilder.ModelPrefix;

    /// <summary>k of mean + k·σ for thresholds from the reference's own spread.</summary>
    private const double ThresholdSigmas = 3;

    /// <summary>How far back hourly rows serve a query; older parts of a period come from daily rows.</summary>
    public static readonly TimeSpan HourlyRowsFor = TimeSpan.FromDays(7);
    private const int CatchUpBatch = 5000;
    private readonly ModelReferences _references = new(store);
    private static readonly string[] s_trendFeatures = ["speech_level", "noise_floor", "spectral_tilt"];

    public async Task<IReadOnlyList<CohortVerdict>> EvaluateAsync(string groupBy, double hours, SignalProfile reference, CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken);
        DateTimeOffset now = time.GetUtcNow();
        SortedDictionary<string, CohortAggregate> cohorts = await MergeAsync(groupBy, now.AddHours(-hours), now, cancellationToken);
        var options = new DriftOptions();
        var analyzer = new DriftAnalyzer(options);
        var verdicts = new List<CohortVerdict>(cohorts.Count);
        foreach ((string value, CohortAggregate cohort) in cohorts)
        {
            (SignalProfile against, string name) = await _references.ForAsync(groupBy, value, reference, cancellationToken);
            DriftThresholds thresholds = DriftThresholds.FromSpread(against.Spread, ThresholdSigmas, options.FingerprintThresholdDb);
            DriftReport report = analyzer.Compare(cohort.Profile, against, thresholds);
            verdicts.Add(new CohortVerdict(value, cohort.Devices.Count, (int)Math.Min(int.MaxValue, cohort.Windows), report.Verdict, Math.Round(cohort.Profile.SpeechSeconds, 1),
                report.Alarms, report.Families, Trends(cohort.Buckets, against)) { Reference = name, DeviceIds = cohort.Devices.Order(StringComparer.Ordinal).ToList() });
        }

        return verdicts;
    }

    /// <summary>
    /// One cohort in detail (for the console's plots): its merged profile and the drift report of it and of each of its
    /// hours (days, beyond a week), by the same tests and thresholds as <see cref="EvaluateAsync"/>; null when the
    /// cohort has no rows in the period.
    /// </summary>
    public async Task<CohortDetail?> DetailAsync(string groupBy, string group, double hours, SignalProfile reference, CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken);
        DateTimeOffset now = time.GetUtcNow();
        SortedDictionary<string, CohortAggregate> cohorts = await MergeAsync(groupBy, now.AddHours(-hours), now, cancellationToken);
        if (!cohorts.TryGetValue(group, out CohortAggregate? cohort))
        {
            return null;
        }

        (SignalProfile against, string name) = await _references.ForAsync(groupBy, group, reference, cancellationToken);
        var options = new DriftOptions();
        var analyzer = new DriftAnalyzer(options);
        DriftThresholds thresholds = DriftThresholds.FromSpread(against.Spread, ThresholdSigmas, options.FingerprintThresholdDb);
        return new CohortDetail(group, cohort.Profile, analyzer.Compare(cohort.Profile, against, thresholds),
            cohort.Buckets.Select(b => (b.Key, analyzer.Compare(b.Value, against, thresholds))).ToList(), thresholds, options)
        {
            Reference = against, ReferenceName = name,
        };
    }

    /// <summary>Rolls up what is queued (a few batches at most: the background roll-up keeps the queue short).</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < 20 && await store.RollUpAsync(instance, CatchUpBatch, cancellationToken) == CatchUpBatch; i++)
        {
        }
    }

    /// <summary>Each cohort of <paramref name="groupBy"/> over [<paramref name="since"/>, <paramref name="now"/>], from rollup rows only.</summary>
    public async Task<SortedDictionary<string, CohortAggregate>> MergeAsync(string groupBy, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cohorts = new SortedDictionary<string, CohortAggregate>(StringComparer.Ordinal);
        DateTimeOffset dayCut = RollupBuckets.Day(now - HourlyRowsFor);
        DateTimeOffset end = RollupBuckets.Hour(now).AddHours(1);
        var rows = new List<CohortRollup>();
        if (since < dayCut)
        {
            rows.AddRange(await store.ListCohortRollupsAsync(groupBy, RollupGrain.Day, RollupBuckets.Day(since), dayCut, cancellationToken));
            rows.AddRange(await store.ListCohortRollupsAsync(groupBy, RollupGrain.Hour, dayCut, end, cancellationToken));
        }
        else
        {
            rows.AddRange(await store.ListCohortRollupsAsync(groupBy, RollupGrain.Hour, RollupBuckets.Hour(since), end, cancellationToken));
        }

        foreach (CohortRollup row in rows)
        {
            if (!cohorts.TryGetValue(row.Value, out CohortAggregate? cohort))
            {
                cohorts[row.Value] = cohort = new CohortAggregate();
            }

            SignalProfile profile = ProfileCodec.Decode(row.Profile);
            try
            {
                cohort.Profile.MergeFrom(profile);
            }
            catch (ProfileBoundsException)
            {
                continue; // past the cohort's keyword bound: one device cannot blow up a cohort
            }

            cohort.Devices.UnionWith(row.Devices);
            cohort.Windows += row.Windows;
            if (cohort.Buckets.TryGetValue(row.Bucket, out SignalProfile? bucket))
            {
                bucket.MergeFrom(profile); // another instance's share of the same hour
            }
            else
            {
                cohort.Buckets[row.Bucket] = profile;
            }
        }

        return cohorts;
    }

    /// <summary>A label (deviceModel, micModel, firmware, site) or <c>model:{name}</c> (cohorts by that model's version).</summary>
    public static bool IsGroupable(string groupBy) =>
        DeviceLabels.Names.Contains(groupBy) || (groupBy.StartsWith(ModelPrefix, StringComparison.Ordinal) && groupBy.Length > ModelPrefix.Length);

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
}

public sealed record CohortVerdict(
    string Group,
    int Devices,
    int Windows,
    string Verdict,
    double SpeechSeconds,
    IReadOnlyList<DriftAlarm> Alarms,
    IReadOnlyList<FamilySummary> Families,
    IReadOnlyList<CohortTrend> Trends)
{
    /// <summary>What the cohort was compared with: the fleet reference, or a model version's training reference (<c>silero_vad@v6 training reference</c>).</summary>
    public string Reference { get; init; } = ModelReferences.Fleet;

    /// <summary>The cohort's devices (not in the API's JSON: a cohort can hold thousands).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> DeviceIds { get; init; } = [];
}

/// <summary>How fast a cohort's quantity moves: least-squares slope of its hourly medians, per hour.</summary>
public sealed record CohortTrend(string Feature, double RatePerHour, string Unit, int Hours);
