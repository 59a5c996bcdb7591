using EdgeAgent.Contracts;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Storage;

namespace EdgeCloud.Fleet;

/// <summary>
/// Merges the windows of the last hours per cohort (devices sharing a label value) and runs the drift tests of each
/// cohort against the fleet reference profile. Merging is exact, so a cohort's profile is what one device hearing all
/// of its audio would have measured.
/// </summary>
public sealed class CohortDrift(ICloudStore store, TimeProvider time)
{
    public async Task<IReadOnlyList<CohortVerdict>> EvaluateAsync(string groupBy, double hours, SignalProfile reference, CancellationToken cancellationToken)
    {
        IReadOnlyList<DeviceRecord> devices = await store.ListDevicesAsync(cancellationToken);
        var groupOf = devices.ToDictionary(d => d.DeviceId, d => d.Labels.Get(groupBy) ?? "(none)", StringComparer.Ordinal);
        IReadOnlyList<WindowRecord> windows = await store.WindowsSinceAsync(time.GetUtcNow().AddHours(-hours), cancellationToken);

        var cohorts = new SortedDictionary<string, (SignalProfile Profile, HashSet<string> Devices, int Windows)>(StringComparer.Ordinal);
        foreach (WindowRecord w in windows)
        {
            if (!groupOf.TryGetValue(w.DeviceId, out string? group))
            {
                continue;
            }

            if (!cohorts.TryGetValue(group, out var cohort))
            {
                cohort = (new SignalProfile(), [], 0);
            }

            cohort.Profile.MergeFrom(ProfileCodec.Decode(w.Profile));
            cohort.Devices.Add(w.DeviceId);
            cohorts[group] = (cohort.Profile, cohort.Devices, cohort.Windows + 1);
        }

        var analyzer = new DriftAnalyzer(new DriftOptions());
        return cohorts.Select(c =>
        {
            DriftReport report = analyzer.Compare(c.Value.Profile, reference);
            return new CohortVerdict(c.Key, c.Value.Devices.Count, c.Value.Windows, report.Verdict, Math.Round(c.Value.Profile.SpeechSeconds, 1), report.Alarms, report.Families);
        }).ToList();
    }

    public static bool IsGroupable(string label) => DeviceLabels.Names.Contains(label);
}

public sealed record CohortVerdict(
    string Group,
    int Devices,
    int Windows,
    string Verdict,
    double SpeechSeconds,
    IReadOnlyList<DriftAlarm> Alarms,
    IReadOnlyList<FamilySummary> Families);
