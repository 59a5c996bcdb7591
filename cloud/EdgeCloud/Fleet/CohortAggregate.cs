using EdgeAgent.Drift.Profiles;

namespace EdgeCloud.Fleet;

/// <summary>A cohort over a period, merged from the rollup rows of every instance: the profile, devices, windows, and the profile of each hour (or day, beyond a week).</summary>
public sealed class CohortAggregate
{
    public SignalProfile Profile { get; } = new();

    public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

    public long Windows { get; set; }

    public SortedDictionary<DateTimeOffset, SignalProfile> Buckets { get; } = [];
}
