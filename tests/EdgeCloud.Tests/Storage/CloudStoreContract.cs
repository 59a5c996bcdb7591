using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;
using EdgeCloud.Storage;

namespace EdgeCloud.Tests.Storage;

/// <summary>The behaviour every <see cref="ICloudStore"/> must have; run against LiteDB and PostgreSQL.</summary>
public abstract partial class CloudStoreContract : IDisposable
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly Lazy<ICloudStore> _store;

    protected CloudStoreContract() => _store = new Lazy<ICloudStore>(Open);

    protected ICloudStore Store => _store.Value;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Devices_RegisterOnceListAndRefuseADuplicate()
    {
        Assert.True(await Store.AddDeviceAsync(Device("b"), Ct));
        Assert.True(await Store.AddDeviceAsync(Device("a"), Ct));
        Assert.False(await Store.AddDeviceAsync(Device("a"), Ct));

        Assert.Equal(["a", "b"], (await Store.ListDevicesAsync(Ct)).Select(d => d.DeviceId));
        DeviceRecord a = (await Store.GetDeviceAsync("a", Ct))!;
        Assert.Equal("mic-a", a.Labels.MicModel);
        Assert.Equal("hash-a", a.PasswordHash);
        Assert.Null(await Store.GetDeviceAsync("zzz", Ct));
    }

    [Fact]
    public async Task Status_AStaleWillNeverHidesANewerBirth()
    {
        await Store.AddDeviceAsync(Device("a"), Ct);
        await Store.UpdateStatusAsync("a", new StatusPayload { State = StatusPayload.Online, BdSeq = 5, AgentVersion = "1.2", Models = [new ModelRef { Name = "silero_vad", Version = "v5", Slot = "active" }], Labels = new DeviceLabels { Firmware = "7", Site = "someone-elses" } }, s_t0, Ct);
        await Store.UpdateStatusAsync("a", new StatusPayload { State = StatusPayload.Offline, BdSeq = 4 }, s_t0.AddSeconds(1), Ct);

        DeviceRecord a = (await Store.GetDeviceAsync("a", Ct))!;
        Assert.True(a.Online);
        Assert.Equal(5, a.BdSeq);
        Assert.Equal("1.2", a.AgentVersion);
        Assert.Equal("silero_vad", Assert.Single(a.Models).Name);
        Assert.Equal("mic-a", a.Labels.MicModel); // registered labels stay
        Assert.Null(a.Labels.Firmware);           // a device's own claims are ignored, even for labels left empty:
        Assert.Null(a.Labels.Site);               // otherwise it could join another site's cohort and its rollouts

        await Store.UpdateStatusAsync("a", new StatusPayload { State = StatusPayload.Offline, BdSeq = 5 }, s_t0.AddSeconds(2), Ct);
        Assert.False((await Store.GetDeviceAsync("a", Ct))!.Online);
    }

    [Fact]
    public async Task Windows_AreUniqueByDeviceBootAndSeq_InAnyOrder()
    {
        await Store.AddDeviceAsync(Device("a"), Ct);
        Assert.True(await Store.AddWindowAsync(Window("a", "boot1", 2), Ct));
        Assert.True(await Store.AddWindowAsync(Window("a", "boot1", 1), Ct));
        Assert.False(await Store.AddWindowAsync(Window("a", "boot1", 2), Ct));
        Assert.True(await Store.AddWindowAsync(Window("a", "boot2", 1), Ct));

        IReadOnlyList<WindowRecord> windows = await Store.ListWindowsAsync("a", 100, Ct);
        Assert.Equal([("boot1", 1ul), ("boot1", 2ul), ("boot2", 1ul)], windows.Select(w => (w.BootId, w.Seq)).Order());
        Assert.Equal([1, 2, 3], windows.Select(w => w.Profile[0]).Order().Select(b => (int)b));
        Assert.Equal(3, (await Store.WindowsSinceAsync(s_t0, Ct)).Count);
        Assert.Empty(await Store.WindowsSinceAsync(s_t0.AddDays(1), Ct));
        Assert.Equal(2, (await Store.ListWindowsAsync("a", 2, Ct)).Count);
        Assert.NotNull((await Store.GetDeviceAsync("a", Ct))!.LastSeen);
    }

    [Fact]
    public async Task A_Batch_ReportsEachWindowsOwnOutcome_AndKeepsEveryField()
    {
        await Store.AddDeviceAsync(Device("a"), Ct);
        Assert.True(await Store.AddWindowAsync(Window("a", "boot1", 1), Ct));
        WindowRecord fine = Window("a", "boot1", 2) with
        {
            WindowEnd = s_t0.AddMinutes(2).AddTicks(7), // finer than a microsecond
            Verdict = null, OutboxDropped = 4, Detections = new() { ["alexa"] = 2, ["timer"] = 1 },
            Signals = new() { ["alexa"] = new ImplicitSignals(3, 1) }, Profile = [1, 2, 3, 0, 255],
        };
        WindowRecord third = Window("a", "boot1", 3);

        // Stored before, stored twice in the batch, and a different window under a key already in the batch.
        IReadOnlyList<bool> added = await Store.AddWindowsAsync([fine, Window("a", "boot1", 1), fine, third, third with { Verdict = "drift" }], Ct);
        Assert.Equal([true, false, false, true, false], added);

        WindowRecord stored = (await Store.ListWindowsAsync("a", 10, Ct)).Single(w => w.Seq == 2);
        Assert.Null(stored.Verdict);
        Assert.Equal(4, stored.OutboxDropped);
        Assert.Equal(fine.Detections, stored.Detections);
        Assert.Equal(fine.Signals, stored.Signals);
        Assert.Equal(fine.Profile, stored.Profile);
        Assert.Equal(fine.WindowStart, stored.WindowStart);
        Assert.True((stored.WindowEnd - fine.WindowEnd).Duration() < TimeSpan.FromMilliseconds(1), $"window end {stored.WindowEnd:O}");
        Assert.Equal("ok", (await Store.ListWindowsAsync("a", 10, Ct)).Single(w => w.Seq == 3).Verdict);
        Assert.Equal(3, await Store.PendingRollupsAsync(Ct)); // each stored window queued once for the roll-up
    }

    [Fact]
    public async Task Events_DedupAndKeepTheLatestAlarmStateWhateverTheOrder()
    {
        await Store.AddDeviceAsync(Device("a"), Ct);
        EventPayload raised = Alarm(1, "alarm", s_t0.AddMinutes(2));
        EventPayload warning = Alarm(2, "warning", s_t0.AddMinutes(1));
        Assert.True(await Store.AddEventAsync("a", raised, s_t0, Ct));
        Assert.True(await Store.AddEventAsync("a", warning, s_t0, Ct)); // arrives late: older
        Assert.False(await Store.AddEventAsync("a", raised, s_t0, Ct));

        AlarmStatus hum = (await Store.GetDeviceAsync("a", Ct))!.Alarms["hum"];
        Assert.Equal("alarm", hum.State);
        Assert.Equal(s_t0.AddMinutes(2), hum.Since);
        Assert.Equal(2, (await Store.ListEventsAsync("a", 10, Ct)).Count);
    }

    [Fact]
    public async Task ReferenceKeysCommandsAndAudit_RoundTrip()
    {
        Assert.Null(await Store.GetReferenceAsync(Ct));
        await Store.SetReferenceAsync([1, 2, 3], "ref one", Ct);
        await Store.SetReferenceAsync([4, 5], "ref two", Ct);
        Assert.Equal([4, 5], (await Store.GetReferenceAsync(Ct))!.Value.Profile);

        await Store.AddApiKeyAsync(new ApiKeyRecord("h1", "ops", "operator", s_t0), Ct);
        Assert.Equal("operator", (await Store.FindApiKeyAsync("h1", Ct))!.Role);
        Assert.Null(await Store.FindApiKeyAsync("h2", Ct));

        await Store.AddDeviceAsync(Device("a"), Ct);
        await Store.AddCommandAsync(new CommandRecord { DeviceId = "a", CmdId = "c1", Name = "ping", CreatedAt = s_t0, ExpiresAt = s_t0.AddMinutes(5) }, Ct);
        Assert.True(await Store.AckCommandAsync("a", new CommandAck { CmdId = "c1", Status = CommandAck.Done, Detail = "pong" }, s_t0.AddSeconds(1), Ct));
        Assert.False(await Store.AckCommandAsync("a", new CommandAck { CmdId = "nope", Status = CommandAck.Done }, s_t0, Ct));
        CommandRecord c1 = (await Store.GetCommandAsync("a", "c1", Ct))!;
        Assert.Equal(("done", "pong"), (c1.Status, c1.Detail));

        await Store.AppendAuditAsync(new AuditRecord(s_t0, "admin", "admin", "device.register", "a", null), Ct);
        await Store.AppendAuditAsync(new AuditRecord(s_t0.AddSeconds(1), "admin", "admin", "device.command", "a", "ping"), Ct);
        Assert.Equal(["device.command", "device.register"], (await Store.ListAuditAsync(10, Ct)).Select(a => a.Action));
    }

    private async Task<byte[]> ReadWholeAsync(string name, string version, int chunk)
    {
        var all = new MemoryStream();
        var buffer = new byte[chunk];
        while (await Store.ReadModelFileAsync(name, version, all.Length, buffer, Ct) is var n and > 0)
        {
            all.Write(buffer, 0, n);
        }

        return all.ToArray();
    }

    [Fact]
    public async Task Models_AreImmutableVersionsWithFilesAndAliases()
    {
        SignedModelManifest v5 = Model("v5"), v6 = Model("v6");
        // A file larger than one storage chunk (LiteDB's are 255 KiB), read back in odd-sized slices from odd offsets.
        byte[] big = new byte[700_001];
        new Random(5).NextBytes(big);
        Assert.True(await Store.AddModelAsync(v5, new MemoryStream(big), Ct));
        Assert.True(await Store.AddModelAsync(v6, new MemoryStream([4, 5]), Ct));
        Assert.False(await Store.AddModelAsync(v5 with { Sha256 = "other" }, new MemoryStream([9]), Ct));

        Assert.Equal(["v5", "v6"], (await Store.ListModelsAsync(Ct)).Select(m => m.Manifest.Version));
        Assert.Equal("sha-v5", (await Store.GetModelAsync("silero_vad", "v5", Ct))!.Sha256);
        Assert.Equal(big, await ReadWholeAsync("silero_vad", "v5", 100_003));
        Assert.Equal([4, 5], await ReadWholeAsync("silero_vad", "v6", 7));
        var slice = new byte[1000];
        Assert.Equal(1000, await Store.ReadModelFileAsync("silero_vad", "v5", 261_000, slice, Ct));
        Assert.Equal(big.AsSpan(261_000, 1000).ToArray(), slice);
        Assert.Equal(1, await Store.ReadModelFileAsync("silero_vad", "v5", big.Length - 1, slice, Ct));
        Assert.Equal(0, await Store.ReadModelFileAsync("silero_vad", "v5", big.Length, slice, Ct));
        Assert.Equal(0, await Store.ReadModelFileAsync("silero_vad", "v7", 0, slice, Ct));

        await Store.SetAliasAsync("silero_vad", "production", "v5", Ct);
        await Store.SetAliasAsync("silero_vad", "production", "v6", Ct);
        await Store.SetAliasAsync("silero_vad", "candidate", "v5", Ct);
        IReadOnlyDictionary<string, string> aliases = await Store.GetAliasesAsync("silero_vad", Ct);
        Assert.Equal(("v6", "v5"), (aliases["production"], aliases["candidate"]));
    }

    public void Dispose()
    {
        if (_store.IsValueCreated)
        {
            _store.Value.Dispose();
        }
    }

    [Fact]
    public async Task Rollouts_AndTheirDeviceReports_AreReplacedInPlace_AndModelsFollowTheReportedState()
    {
        Assert.True(await Store.TrySaveRolloutAsync("ro-1", 1, "{\"v\":1}", Ct));
        Assert.True(await Store.TrySaveRolloutAsync("ro-2", 1, "{\"v\":2}", Ct));
        Assert.True(await Store.TrySaveRolloutAsync("ro-1", 2, "{\"v\":3}", Ct));
        Assert.True(await Store.SetRolloutDeviceAsync("ro-1", "a", 1, "SHADOW", Ct));
        Assert.True(await Store.SetRolloutDeviceAsync("ro-1", "a", 3, "ACTIVE", Ct));
        Assert.False(await Store.SetRolloutDeviceAsync("ro-1", "a", 2, "a late SHADOW", Ct)); // delivered out of order: superseded
        Assert.True(await Store.SetRolloutDeviceAsync("ro-1", "b", 0, "FAILED", Ct));
        Assert.True(await Store.SetRolloutDeviceAsync("ro-2", "a", 7, "QUEUED", Ct));

        Assert.Equal("{\"v\":3}", await Store.GetRolloutAsync("ro-1", Ct));
        Assert.Null(await Store.GetRolloutAsync("ro-9", Ct));
        Assert.Equal(["{\"v\":3}", "{\"v\":2}"], await Store.ListRolloutsAsync(Ct));
        IReadOnlyDictionary<string, string> devices = await Store.ListRolloutDevicesAsync("ro-1", Ct);
        Assert.Equal(2, devices.Count);
        Assert.Equal(("ACTIVE", "FAILED"), (devices["a"], devices["b"]));

        await Store.AddDeviceAsync(Device("k"), Ct);
        await Store.UpdateModelsAsync("k", [new ModelRef { Name = "silero_vad", Version = "v6", Slot = "active" }, new ModelRef { Name = "silero_vad", Version = "v5", Slot = "previous" }], Ct);
        Assert.Equal(["v6/active", "v5/previous"], (await Store.GetDeviceAsync("k", Ct))!.Models.Select(m => $"{m.Version}/{m.Slot}"));
    }

    [Fact]
    public async Task A_RolloutRevision_IsStoredOnlyOverTheRevisionBeforeIt()
    {
        Assert.False(await Store.TrySaveRolloutAsync("ro-1", 2, "skipped one", Ct));
        Assert.True(await Store.TrySaveRolloutAsync("ro-1", 1, "first", Ct));
        Assert.False(await Store.TrySaveRolloutAsync("ro-1", 1, "another writer's first", Ct));
        Assert.True(await Store.TrySaveRolloutAsync("ro-1", 2, "second", Ct));
        Assert.False(await Store.TrySaveRolloutAsync("ro-1", 2, "a stale second", Ct));
        Assert.False(await Store.TrySaveRolloutAsync("ro-1", 4, "a skipped third", Ct));

        Assert.Equal("second", await Store.GetRolloutAsync("ro-1", Ct));
    }

    [Fact]
    public async Task Lease_IsHeldByOneHolderUntilItExpires()
    {
        Assert.True(await Store.TryLeaseAsync("rollouts", "a", s_t0, s_t0.AddSeconds(10), Ct));
        Assert.False(await Store.TryLeaseAsync("rollouts", "b", s_t0.AddSeconds(5), s_t0.AddSeconds(15), Ct));
        Assert.True(await Store.TryLeaseAsync("rollouts", "a", s_t0.AddSeconds(5), s_t0.AddSeconds(15), Ct)); // renewed
        Assert.False(await Store.TryLeaseAsync("rollouts", "b", s_t0.AddSeconds(12), s_t0.AddSeconds(22), Ct));
        Assert.True(await Store.TryLeaseAsync("rollouts", "b", s_t0.AddSeconds(16), s_t0.AddSeconds(26), Ct)); // a stopped renewing
        Assert.False(await Store.TryLeaseAsync("rollouts", "a", s_t0.AddSeconds(17), s_t0.AddSeconds(27), Ct));
        Assert.True(await Store.TryLeaseAsync("other", "a", s_t0.AddSeconds(17), s_t0.AddSeconds(27), Ct));
    }

    protected abstract ICloudStore Open();

    private static DeviceRecord Device(string id) =>
        new() { DeviceId = id, Labels = new DeviceLabels { MicModel = "mic-" + id, DeviceModel = "k1" }, PasswordHash = "hash-" + id, CreatedAt = s_t0 };

    private static WindowRecord Window(string device, string boot, ulong seq) => new()
    {
        DeviceId = device, BootId = boot, Seq = seq, WindowStart = s_t0.AddMinutes((double)seq - 1), WindowEnd = s_t0.AddMinutes(seq),
        ReceivedAt = s_t0.AddMinutes(seq), Verdict = "ok", DurationSeconds = 60, SpeechSeconds = 12, Detections = new() { ["alexa"] = 1 },
        Profile = [(byte)(boot == "boot2" ? 3 : seq), 9],
    };

    private static SignedModelManifest Model(string version) => new()
    {
        Manifest = new ModelPackageManifest { Name = "silero_vad", Kind = "vad", Version = version, Inputs = [new("input", "float32", [1, 512])], Outputs = [new("output", "float32", [1, 1])] },
        Sha256 = "sha-" + version, Size = 3, RegisteredAt = s_t0, Signature = "sig",
    };

    private static EventPayload Alarm(ulong seq, string state, DateTimeOffset at) =>
        new() { BootId = "boot1", Seq = seq, At = at, Kind = EventPayload.AlarmChanged, Name = "hum", State = state, Detail = "hum_ratio" };
}

public sealed class LiteDbCloudStoreTests : CloudStoreContract
{
    private string? _dataDir;

    protected override ICloudStore Open() => new LiteDbCloudStore(_dataDir ??= TestPaths.NewTempDirectory());

    protected override ICloudStore Reopen(ICloudStore store)
    {
        store.Dispose(); // one process per LiteDB file
        return Open();
    }
}

[Trait("Category", "Integration")]
public sealed class PostgresCloudStoreTests : CloudStoreContract
{
    private string? _database;

    protected override ICloudStore Open() => PostgresCloudStore.OpenAsync(_database ??= PostgresServer.Shared.CreateDatabase()).GetAwaiter().GetResult();

    /// <summary>A second cloud instance: another store on the same database.</summary>
    protected override ICloudStore OpenAnotherInstance() => Open();

    protected override ICloudStore Reopen(ICloudStore store) => Open();

    [Fact]
    public async Task A_Window_InsertedByAnOlderVersion_IsStillQueuedForTheRollup_ByTheTrigger()
    {
        // This version's insert queues its windows itself; an instance of the version before (a rolling upgrade)
        // inserts plainly and relies on the row trigger.
        var at = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        WindowRecord Window(ulong seq) => new() { DeviceId = "a", BootId = "b", Seq = seq, WindowStart = at, WindowEnd = at.AddMinutes(seq), ReceivedAt = at, Profile = [1] };
        Assert.Equal([true], await Store.AddWindowsAsync([Window(1)], TestContext.Current.CancellationToken));
        await using (var data = Npgsql.NpgsqlDataSource.Create(_database!))
        await using (Npgsql.NpgsqlCommand old = data.CreateCommand(
            """
            insert into windows (device_id, boot_id, seq, window_start, window_end, received_at, verdict, duration_seconds, speech_seconds, detections, outbox_dropped, profile)
            values ('a', 'b', 2, $1, $1, $1, null, 60, 0, '{}', 0, '\x01') on conflict do nothing
            """))
        {
            old.Parameters.Add(new Npgsql.NpgsqlParameter { Value = at.AddMinutes(2) });
            Assert.Equal(1, await old.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(2, await Store.PendingRollupsAsync(TestContext.Current.CancellationToken));
        Assert.Equal([false, true], await Store.AddWindowsAsync([Window(2), Window(3)], TestContext.Current.CancellationToken));
        Assert.Equal(3, await Store.PendingRollupsAsync(TestContext.Current.CancellationToken));
    }
}
