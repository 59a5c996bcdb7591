using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.TestSupport;
using EdgeCloud.Fleet;
using EdgeCloud.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCloud.Tests.Storage;

/// <summary>Rollups and retention: rows must equal, to the bit, the merge of the windows they were made of.</summary>
public abstract partial class CloudStoreContract
{
    private static readonly DateTimeOffset s_day0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Rollups_EqualTheMergeOfTheirWindows_UnderDuplicatesOutOfOrderArrivalAndTwoInstances()
    {
        using ICloudStore? another = OpenAnotherInstance();
        ICloudStore second = another ?? Store; // LiteDB: one process, two instances' rows in one store
        await RegisterAsync(("a", "mic-a"), ("b", "mic-b"), ("c", "mic-a"));
        await Store.UpdateModelsAsync("a", [new ModelRef { Name = "silero_vad", Version = "v5", Slot = "active" }], Ct);
        List<WindowRecord> windows = Windows(["a", "b", "c"], hours: 3, perHour: 4, s_t0);
        var shuffled = windows.OrderBy(_ => Random.Shared.Next()).ToList();

        // Half arrives (with a duplicate in the batch) and is partly rolled up before the rest, which comes through the
        // other instance with duplicates of the first half; both instances roll up at the same time.
        Assert.Equal(shuffled.Count / 2, (await Store.AddWindowsAsync([.. shuffled.Take(shuffled.Count / 2), shuffled[0]], Ct)).Count(a => a));
        Assert.Equal(5, await Store.RollUpAsync("i1", 5, Ct));
        Assert.Equal(shuffled.Count - (shuffled.Count / 2), (await second.AddWindowsAsync([.. shuffled.Skip(shuffled.Count / 3)], Ct)).Count(a => a));
        Assert.False(await Store.AddWindowAsync(shuffled[^1], Ct));
        await Task.WhenAll(Task.Run(() => Store.RollUpAsync("i1", 3, Ct)), Task.Run(() => second.RollUpAsync("i2", 4, Ct)));
        while (await Store.RollUpAsync("i1", 3, Ct) + await second.RollUpAsync("i2", 4, Ct) > 0)
        {
        }

        Assert.Equal(0, await Store.PendingRollupsAsync(Ct));

        foreach (string device in new[] { "a", "b", "c" })
        {
            IReadOnlyList<DeviceRollup> rows = await second.ListDeviceRollupsAsync(device, s_t0.AddHours(-1), s_t0.AddHours(4), Ct);
            foreach (IGrouping<DateTimeOffset, WindowRecord> hour in windows.Where(w => w.DeviceId == device).GroupBy(w => RollupBuckets.Hour(w.WindowEnd)))
            {
                DeviceRollup[] shares = rows.Where(r => r.Hour == hour.Key).ToArray();
                Assert.Equal(Encoded(hour), Encoded(shares.Select(s => s.Profile)));
                Assert.Equal(hour.Count(), shares.Sum(s => s.Windows));
            }

            Assert.Equal(3, rows.Select(r => r.Hour).Distinct().Count());
        }

        var labels = new Dictionary<string, string> { ["a"] = "mic-a", ["b"] = "mic-b", ["c"] = "mic-a" };
        foreach (RollupGrain grain in new[] { RollupGrain.Hour, RollupGrain.Day })
        {
            IReadOnlyList<CohortRollup> rows = await Store.ListCohortRollupsAsync("micModel", grain, s_day0, s_day0.AddDays(1), Ct);
            Assert.Equal(2, rows.Select(r => r.Instance).Distinct().Count()); // both instances did part of the work
            AssertCohortRows(rows, windows.GroupBy(w => (labels[w.DeviceId], RollupBuckets.Of(grain, w.WindowEnd))));
        }

        AssertCohortRows(
            await second.ListCohortRollupsAsync("model:silero_vad", RollupGrain.Hour, s_day0, s_day0.AddDays(1), Ct),
            windows.Where(w => w.DeviceId == "a").GroupBy(w => ("v5", RollupBuckets.Hour(w.WindowEnd))));
        Assert.Single((await Store.ListCohortRollupsAsync("site", RollupGrain.Day, s_day0, s_day0.AddDays(1), Ct)).Select(r => r.Value).Distinct(), RollupBuilder.NoValue);
        Assert.Empty(await Store.ListCohortRollupsAsync("micModel", RollupGrain.Hour, s_day0.AddDays(1), s_day0.AddDays(2), Ct));
    }

    [Fact]
    public async Task Rollups_OfWindowsStoredBeforeARestart_AreReadBackFromTheStore()
    {
        // The roll-up takes the windows this process stored from memory; after a restart it must read them back.
        await RegisterAsync(("a", "mic-a"), ("b", "mic-b"));
        List<WindowRecord> windows = Windows(["a", "b"], hours: 2, perHour: 3, s_t0);
        await Store.AddWindowsAsync(windows.GetRange(0, 7), Ct);
        Assert.Equal(3, await Store.RollUpAsync("i1", 3, Ct));
        using ICloudStore restarted = Reopen(Store);
        await restarted.AddWindowsAsync(windows.GetRange(5, windows.Count - 5), Ct); // two duplicates of what was stored before
        await DrainAsync(restarted, "i1", 4);
        Assert.Equal(0, await restarted.PendingRollupsAsync(Ct));

        foreach (string device in new[] { "a", "b" })
        {
            IReadOnlyList<DeviceRollup> rows = await restarted.ListDeviceRollupsAsync(device, s_t0.AddHours(-1), s_t0.AddHours(3), Ct);
            foreach (IGrouping<DateTimeOffset, WindowRecord> hour in windows.Where(w => w.DeviceId == device).GroupBy(w => RollupBuckets.Hour(w.WindowEnd)))
            {
                DeviceRollup[] shares = rows.Where(r => r.Hour == hour.Key).ToArray();
                Assert.Equal(Encoded(hour), Encoded(shares.Select(r => r.Profile)));
                Assert.Equal(hour.Count(), shares.Sum(r => r.Windows));
            }
        }

        var labels = new Dictionary<string, string> { ["a"] = "mic-a", ["b"] = "mic-b" };
        AssertCohortRows(
            await restarted.ListCohortRollupsAsync("micModel", RollupGrain.Hour, s_day0, s_day0.AddDays(1), Ct),
            windows.GroupBy(w => (labels[w.DeviceId], RollupBuckets.Hour(w.WindowEnd))));
    }

    [Fact]
    public async Task A_LabelChange_MovesTheDeviceToItsNewCohortFromThenOn()
    {
        await RegisterAsync(("a", "mic-a"), ("b", "mic-a"));
        await Store.UpdateModelsAsync("a", [new ModelRef { Name = "silero_vad", Version = "v5", Slot = "active" }], Ct);
        await Store.UpdateModelsAsync("b", [new ModelRef { Name = "silero_vad", Version = "v5", Slot = "active" }], Ct);
        List<WindowRecord> before = Windows(["a", "b"], hours: 1, perHour: 2, s_t0);
        await Store.AddWindowsAsync(before, Ct);
        await DrainAsync(Store, "i1", 100);

        // a is updated to v6 (active; v5 stays as the previous slot): its later windows count for v6 only.
        await Store.UpdateModelsAsync("a", [new ModelRef { Name = "silero_vad", Version = "v6", Slot = "active" }, new ModelRef { Name = "silero_vad", Version = "v5", Slot = "previous" }], Ct);
        List<WindowRecord> after = Windows(["a", "b"], hours: 1, perHour: 2, s_t0.AddHours(1), seqFrom: 10);
        await Store.AddWindowsAsync(after, Ct);
        await DrainAsync(Store, "i1", 100);

        IReadOnlyList<CohortRollup> rows = await Store.ListCohortRollupsAsync("model:silero_vad", RollupGrain.Hour, s_day0, s_day0.AddDays(1), Ct);
        Assert.Equal(
            [(s_t0, "v5", "a,b"), (s_t0.AddHours(1), "v5", "b"), (s_t0.AddHours(1), "v6", "a")],
            rows.OrderBy(r => r.Bucket).ThenBy(r => r.Value, StringComparer.Ordinal).Select(r => (r.Bucket, r.Value, string.Join(',', r.Devices))));
        AssertCohortRows(rows, before.Concat(after).GroupBy(w => (w.DeviceId == "a" && w.WindowEnd >= s_t0.AddHours(1) ? "v6" : "v5", RollupBuckets.Hour(w.WindowEnd))));
    }

    [Fact]
    public async Task Pruning_RemovesOldWindowsAndRows_AndKeepsTheRollups()
    {
        await RegisterAsync(("a", "mic-a"));
        DateTimeOffset now = s_t0.AddDays(10);
        List<WindowRecord> windows = [.. Enumerable.Range(0, 10).Select(k => Window("a", "boot1", (ulong)k + 1) with { WindowEnd = now.AddDays(-k), Profile = Encoded(k) })];
        await Store.AddWindowsAsync(windows, Ct);
        await DrainAsync(Store, "i1", 100);

        var cutoffs = new RetentionCutoffs(RollupBuckets.Day(now.AddDays(-3)), now.AddDays(-5), now.AddDays(-30));
        int passes = 0;
        while (await Store.PruneAsync(cutoffs, 2, Ct) > 0)
        {
            passes++;
        }

        Assert.True(passes >= 2, $"pruned in {passes} pass(es), expected small batches");
        Assert.Equal(windows.Where(w => w.WindowEnd >= cutoffs.WindowsBefore).Select(w => w.Seq).Order(), (await Store.ListWindowsAsync("a", 100, Ct)).Select(w => w.Seq).Order());
        Assert.Equal(
            windows.Where(w => w.WindowEnd >= cutoffs.HourlyBefore).Select(w => RollupBuckets.Hour(w.WindowEnd)).Order(),
            (await Store.ListDeviceRollupsAsync("a", now.AddDays(-40), now.AddDays(1), Ct)).Select(r => r.Hour).Order());
        AssertCohortRows(
            await Store.ListCohortRollupsAsync("micModel", RollupGrain.Day, now.AddDays(-40), now.AddDays(1), Ct),
            windows.GroupBy(w => ("mic-a", RollupBuckets.Day(w.WindowEnd)))); // every day kept, pruned windows included
    }

    [Fact]
    public async Task A_CohortQuery_SpanningHourlyAndDailyRows_EqualsTheMergeOfTheRawWindows()
    {
        await RegisterAsync(("a", "mic-a"), ("b", "mic-a"), ("c", "mic-b"));
        DateTimeOffset now = s_day0.AddDays(12).AddHours(15.5);
        var windows = new List<WindowRecord>();
        for (int h = 0; h < 12 * 24; h += 5)
        {
            windows.AddRange(Windows(["a", "b", "c"], hours: 1, perHour: 1, s_day0.AddHours(h).AddMinutes(7 * (h % 8)), seqFrom: (ulong)h + 1, profileSeed: h));
        }

        await Store.AddWindowsAsync(windows, Ct);
        var time = new FakeTimeProvider(now);
        var drift = new CohortDrift(Store, time, "i1");
        await drift.CatchUpAsync(Ct);

        DateTimeOffset since = now.AddDays(-9.3); // 9.3 days: older than a week, so daily rows serve the start
        SortedDictionary<string, CohortAggregate> cohorts = await drift.MergeAsync("micModel", since, now, Ct);
        DateTimeOffset dayCut = RollupBuckets.Day(now - CohortDrift.HourlyRowsFor);
        foreach ((string mic, string[] devices) in new[] { ("mic-a", new[] { "a", "b" }), ("mic-b", new[] { "c" }) })
        {
            var raw = windows.Where(w => devices.Contains(w.DeviceId) && w.WindowEnd >= RollupBuckets.Day(since)).ToList();
            CohortAggregate cohort = cohorts[mic];
            Assert.Equal(Encoded(raw), ProfileCodec.Encode(cohort.Profile));
            Assert.Equal(raw.Count, cohort.Windows);
            Assert.Equal(devices, cohort.Devices.Order(StringComparer.Ordinal));
            Assert.Contains(cohort.Buckets.Keys, b => b < dayCut && b.TimeOfDay == TimeSpan.Zero);
            Assert.Contains(cohort.Buckets.Keys, b => b >= dayCut && b.Hour != 0);
            Assert.Equal(raw.Select(w => w.WindowEnd < dayCut ? RollupBuckets.Day(w.WindowEnd) : RollupBuckets.Hour(w.WindowEnd)).Distinct().Order(), cohort.Buckets.Keys);
        }
    }

    /// <summary>The same data opened as after a restart (disposing <paramref name="store"/> when only one may be open).</summary>
    protected abstract ICloudStore Reopen(ICloudStore store);

    /// <summary>A second cloud instance on the same data, or null when the store is for one process (LiteDB).</summary>
    protected virtual ICloudStore? OpenAnotherInstance() => null;

    private static async Task DrainAsync(ICloudStore store, string instance, int batch)
    {
        while (await store.RollUpAsync(instance, batch, Ct) > 0)
        {
        }
    }

    private static void AssertCohortRows(IReadOnlyList<CohortRollup> rows, IEnumerable<IGrouping<(string Value, DateTimeOffset Bucket), WindowRecord>> expected)
    {
        var groups = expected.ToList();
        Assert.Equal(groups.Select(g => g.Key).Order(), rows.Select(r => (r.Value, r.Bucket)).Distinct().Order());
        foreach (IGrouping<(string Value, DateTimeOffset Bucket), WindowRecord> group in groups)
        {
            CohortRollup[] shares = rows.Where(r => (r.Value, r.Bucket) == group.Key).ToArray();
            Assert.Equal(Encoded(group), Encoded(shares.Select(s => s.Profile)));
            Assert.Equal(group.Count(), shares.Sum(s => s.Windows));
            Assert.Equal(group.Select(w => w.DeviceId).Distinct().Order(StringComparer.Ordinal), shares.SelectMany(s => s.Devices).Distinct().Order(StringComparer.Ordinal));
        }
    }

    private async Task RegisterAsync(params (string Id, string Mic)[] devices)
    {
        foreach ((string id, string mic) in devices)
        {
            await Store.AddDeviceAsync(Device(id) with { Labels = new DeviceLabels { MicModel = mic, DeviceModel = "k1" } }, Ct);
        }
    }

    /// <summary><paramref name="perHour"/> windows an hour per device from <paramref name="start"/>, each with its own profile.</summary>
    private static List<WindowRecord> Windows(string[] devices, int hours, int perHour, DateTimeOffset start, ulong seqFrom = 1, int profileSeed = 0) =>
        [.. from d in devices
            from h in Enumerable.Range(0, hours)
            from i in Enumerable.Range(0, perHour)
            let end = start.AddHours(h).AddMinutes(5 + (50.0 * i / perHour))
            select Window(d, "boot1", seqFrom + (ulong)(h * perHour + i)) with
            {
                WindowStart = end.AddMinutes(-1), WindowEnd = end, ReceivedAt = end,
                Profile = Encoded(profileSeed + (d[0] * 100) + (h * perHour) + i),
            }];

    private static readonly Dictionary<int, byte[]> s_profiles = [];

    /// <summary>A distinct window profile per seed (a few seconds of the synthetic room, noise level from the seed).</summary>
    private static byte[] Encoded(int seed)
    {
        lock (s_profiles)
        {
            if (!s_profiles.TryGetValue(seed, out byte[]? bytes))
            {
                s_profiles[seed] = bytes = ProfileCodec.Encode(SyntheticRoom.Profile(new Random(seed), -70 + (seed % 30), 2));
            }

            return bytes;
        }
    }

    private static byte[] Encoded(IEnumerable<WindowRecord> windows) => Encoded(windows.Select(w => w.Profile));

    /// <summary>The merge of encoded profiles, encoded at the standard quality (equal profiles, equal bytes).</summary>
    private static byte[] Encoded(IEnumerable<byte[]> profiles)
    {
        var merged = new SignalProfile();
        foreach (byte[] p in profiles)
        {
            merged.MergeFrom(ProfileCodec.Decode(p));
        }

        return ProfileCodec.Encode(merged);
    }
}
