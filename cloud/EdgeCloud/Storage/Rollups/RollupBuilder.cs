using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Ingest;

namespace EdgeCloud.Storage;

/// <summary>
/// Turns newly stored windows into rollup rows, the same way for every store: each window's profile is merged into
/// its device's hour and into the hour and day of every cohort the device belongs to when it is rolled up (each label's
/// value, "(none)" when unset, and <c>model:{name}</c> = the version of each model it runs). Then <see cref="Merge"/>
/// adds those sums into the instance's stored rows. Merging is exact integer addition, so the rows equal the merge of
/// their windows whatever the order and batching.
/// </summary>
public sealed class RollupBuilder
{
    /// <summary>Brotli quality of rollup rows: rewritten on every roll-up, so fast (decoding is the same).</summary>
    public const int EncodeQuality = 4;
    public const string NoValue = "(none)";
    public const string ModelPrefix = "model:";

    private readonly Dictionary<(string DeviceId, DateTimeOffset Hour), Sum> _devices = [];
    private readonly Dictionary<CohortKey, Sum> _cohorts = [];
    private readonly Dictionary<string, (string Label, string Value)[]> _cohortsOf = new(StringComparer.Ordinal);

    /// <summary>Windows whose profile could not be decoded (left out of every rollup).</summary>
    public int Corrupt { get; private set; }

    public IEnumerable<(string DeviceId, DateTimeOffset Hour)> DeviceKeys => _devices.Keys;

    public IEnumerable<CohortKey> CohortKeys => Cohorts.Keys;

    /// <summary>The cohort sums, made from the device hours on first use after the last window was added.</summary>
    private Dictionary<CohortKey, Sum> Cohorts
    {
        get
        {
            if (_cohorts.Count == 0)
            {
                foreach (((string deviceId, DateTimeOffset hour), Sum sum) in _devices)
                {
                    foreach ((string label, string value) in _cohortsOf[deviceId])
                    {
                        SumOf(_cohorts, new CohortKey(label, value, RollupGrain.Hour, hour)).Add(sum.Profile, deviceId, sum.Windows);
                        SumOf(_cohorts, new CohortKey(label, value, RollupGrain.Day, RollupBuckets.Day(hour))).Add(sum.Profile, deviceId, sum.Windows);
                    }
                }
            }

            return _cohorts;
        }
    }

    /// <summary>The cohorts a device is in: (label, value) for each label, and (model:name, version) per model.</summary>
    public static IEnumerable<(string Label, string Value)> CohortsOf(DeviceRecord device)
    {
        foreach (string label in DeviceLabels.Names)
        {
            yield return (label, device.Labels.Get(label) ?? NoValue);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (ModelRef model in device.Models)
        {
            if (seen.Add(model.Name))
            {
                yield return (ModelPrefix + model.Name, model.Version);
            }
        }
    }

    /// <param name="device">The device as registered now (null: it has no cohorts, only its device row).</param>
    public void Add(string deviceId, DateTimeOffset windowEnd, byte[] profile, DeviceRecord? device)
    {
        SignalProfile decoded = ScratchProfiles.Rent();
        try
        {
            ProfileCodec.Decode(profile, decoded);

            // Windows add into their device's hour; cohorts are made from the device hours (fewer merges, same sums).
            // (A merge past a bound is caught inside Add: only the decode throws FormatException here.)
            SumOf(_devices, (deviceId, RollupBuckets.Hour(windowEnd))).Add(decoded, deviceId, 1);
        }
        catch (FormatException)
        {
            Corrupt++;
            return;
        }
        finally
        {
            ScratchProfiles.Return(decoded); // merged by value: nothing keeps it
        }

        if (!_cohortsOf.ContainsKey(deviceId))
        {
            _cohortsOf[deviceId] = device is null ? [] : [.. CohortsOf(device)]; // once per device, not per window
        }

        _cohorts.Clear();
    }

    /// <summary>The instance's device rows with this batch added to what <paramref name="stored"/> holds.</summary>
    public IReadOnlyList<DeviceRollup> MergeDevices(string instance, IReadOnlyDictionary<(string DeviceId, DateTimeOffset Hour), DeviceRollup> stored) =>
        _devices.Select(d =>
        {
            (SignalProfile profile, long windows) = Combine(d.Value, stored.TryGetValue(d.Key, out DeviceRollup? s) ? (s.Profile, s.Windows) : null);
            return new DeviceRollup(d.Key.DeviceId, d.Key.Hour, instance, windows, ProfileCodec.Encode(profile, EncodeQuality));
        }).ToList();

    /// <summary>The instance's cohort rows with this batch added to what <paramref name="stored"/> holds.</summary>
    public IReadOnlyList<CohortRollup> MergeCohorts(string instance, IReadOnlyDictionary<CohortKey, CohortRollup> stored) =>
        Cohorts.Select(c =>
        {
            CohortRollup? s = stored.GetValueOrDefault(c.Key);
            (SignalProfile profile, long windows) = Combine(c.Value, s is null ? null : (s.Profile, s.Windows));
            var devices = new SortedSet<string>(c.Value.Devices, StringComparer.Ordinal);
            if (s is not null)
            {
                devices.UnionWith(s.Devices);
            }

            return new CohortRollup(c.Key.Label, c.Key.Value, c.Key.Grain, c.Key.Bucket, instance, windows, devices.ToList(), ProfileCodec.Encode(profile, EncodeQuality));
        }).ToList();

    private static (SignalProfile Profile, long Windows) Combine(Sum sum, (byte[] Profile, long Windows)? stored)
    {
        if (stored is not { } s)
        {
            return (sum.Profile, sum.Windows);
        }

        SignalProfile merged = ProfileCodec.Decode(s.Profile);
        merged.MergeFrom(sum.Profile);
        return (merged, s.Windows + sum.Windows);
    }

    private static Sum SumOf<TKey>(Dictionary<TKey, Sum> sums, TKey key)
        where TKey : notnull
    {
        if (!sums.TryGetValue(key, out Sum? sum))
        {
            sums[key] = sum = new Sum();
        }

        return sum;
    }

    private sealed class Sum
    {
        public SignalProfile Profile { get; } = new();

        public long Windows { get; private set; }

        public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

        public void Add(SignalProfile profile, string deviceId, long windows)
        {
            try
            {
                Profile.MergeFrom(profile);
            }
            catch (ProfileBoundsException)
            {
                return; // past a bound (e.g. keywords): left out rather than blocking the roll-up for good
            }

            Windows += windows;
            Devices.Add(deviceId);
        }
    }
}
