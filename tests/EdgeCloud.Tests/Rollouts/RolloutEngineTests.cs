using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>
/// The engine stepped by hand on a fake clock over a real LiteDB store, its desired states caught in memory: every
/// device whose desired state changes is sent it, an unacknowledged one is sent again, and an instance that takes the
/// lease over republishes with higher versions.
/// </summary>
public sealed class RolloutEngineTests : IDisposable
{
    private static readonly string[] s_devices = ["kiosk-1", "kiosk-2", "kiosk-3", "kiosk-4"];
    private readonly LiteDbCloudStore _store = new(TestPaths.NewTempDirectory());
    private readonly FakeTimeProvider _time = new(RolloutSamples.Start);
    private readonly Sent _sent = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task TheMeasuredCanary_EveryDeviceIsToldEachStep_IncludingThoseLeavingTheShadow_AndTheStagesMoveOnTheirOwn()
    {
        RolloutEngine engine = Engine();
        Rollout r = await CreateAsync(engine);
        Assert.All(s_devices, d => Assert.Equal(DesiredModel.Shadow, _sent.Last(d).Models.Single().Mode));

        await ReportAllAsync(engine, r, RolloutProgress.ShadowPhase, seq: 1);
        _time.Advance(TimeSpan.FromSeconds(21));
        await engine.TickAsync(Ct);
        r = (await engine.GetAsync(r.Id, Ct))!;
        Assert.Equal((RolloutStep.Stage, 0), (r.Step, r.Stage));
        var inStage = r.Devices.Where(d => d.Rank < 2).Select(d => d.DeviceId).ToHashSet();
        Assert.All(s_devices, d => Assert.Equal(inStage.Contains(d) ? DesiredModel.Active : DesiredModel.Baseline, _sent.Last(d).Models.Single().Mode));
        Assert.All(s_devices, d => Assert.Equal("v5", _sent.Last(d).Models.Single().Fallback));

        // The stage moves on the engine's own ticks: no other rollout needs to make it publish.
        foreach (string d in inStage)
        {
            await engine.OnProgressAsync(d, Progress(r, d, RolloutProgress.ActivePhase, seq: 2), Ct);
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        await engine.TickAsync(Ct);
        Assert.All(s_devices, d => Assert.Equal(DesiredModel.Active, _sent.Last(d).Models.Single().Mode));
        await ReportAllAsync(engine, r, RolloutProgress.ActivePhase, seq: 3);
        _time.Advance(TimeSpan.FromSeconds(10));
        await engine.TickAsync(Ct);
        Assert.All(s_devices, d => Assert.Equal(DesiredModel.Committed, _sent.Last(d).Models.Single().Mode));
        await ReportAllAsync(engine, r, RolloutProgress.CommittedPhase, seq: 4);
        _time.Advance(TimeSpan.FromSeconds(1));
        await engine.TickAsync(Ct);

        Assert.Equal(RolloutState.Completed, (await engine.GetAsync(r.Id, Ct))!.State);
        Assert.All(s_devices, d => Assert.Equal(
            inStage.Contains(d) ? ["shadow", "active", "committed"] : ["shadow", "baseline", "active", "committed"], _sent.Modes(d)));
        Assert.All(s_devices, d => Assert.True(_sent.Versions(d).SequenceEqual(_sent.Versions(d).Order())));
    }

    [Fact]
    public async Task AnUnacknowledgedDesiredState_IsSentAgain_UntilTheDeviceReportsItApplied()
    {
        RolloutEngine engine = Engine();
        await CreateAsync(engine);
        await engine.TickAsync(Ct); // takes the lease: everything is published again, as by an instance taking over
        Assert.All(s_devices, d => Assert.Equal(2, _sent.Count(d)));
        await engine.OnReportedAsync("kiosk-1", new ReportedState { AppliedVersion = _sent.Last("kiosk-1").Version }, Ct);

        _time.Advance(TimeSpan.FromSeconds(4));
        await engine.TickAsync(Ct);
        Assert.Equal(2, _sent.Count("kiosk-2")); // not yet
        _time.Advance(TimeSpan.FromSeconds(1));
        await engine.TickAsync(Ct);

        Assert.Equal(2, _sent.Count("kiosk-1"));
        Assert.Equal(3, _sent.Count("kiosk-2"));
        Assert.Equal(_sent.Versions("kiosk-2")[1], _sent.Last("kiosk-2").Version); // the same version again
        await engine.OnReportedAsync("kiosk-2", new ReportedState { AppliedVersion = _sent.Last("kiosk-2").Version }, Ct);
        for (int i = 0; i < 50; i++) // within the devices' deadline (60 s): nothing else changes
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await engine.TickAsync(Ct);
        }

        Assert.Equal(3, _sent.Count("kiosk-2"));
        Assert.Equal(2 + 3, _sent.Count("kiosk-3")); // again after 5 s, then 10 s and 20 s later (then 40 s, then once a minute)
    }

    [Fact]
    public async Task AnInstanceTakingTheLeaseOver_RepublishesEveryDevice_WithHigherVersions()
    {
        RolloutEngine first = Engine();
        Rollout r = await CreateAsync(first);
        await first.TickAsync(Ct);
        Assert.True(first.Leading);
        Dictionary<string, long> before = s_devices.ToDictionary(d => d, d => _sent.Last(d).Version);
        foreach (string d in s_devices)
        {
            await first.OnReportedAsync(d, new ReportedState { AppliedVersion = before[d] }, Ct);
        }

        // The first instance stops; a second one (a restarted cloud, empty memory) takes the lease once it expires.
        var second = new Sent();
        RolloutEngine next = Engine(second);
        await next.TickAsync(Ct);
        Assert.False(next.Leading);
        _time.Advance(TimeSpan.FromSeconds(11));
        await next.TickAsync(Ct);

        Assert.True(next.Leading);
        Assert.All(s_devices, d => Assert.True(second.Last(d).Version > before[d], $"{d}: {second.Last(d).Version} after {before[d]}"));
        Assert.All(s_devices, d => Assert.Equal((r.Id, DesiredModel.Shadow), (second.Last(d).Models.Single().RolloutId, second.Last(d).Models.Single().Mode)));
    }

    [Fact]
    public async Task ADeviceComingOnline_IsSentItsDesiredState_OncePerConnection()
    {
        RolloutEngine engine = Engine();
        await CreateAsync(engine);

        await engine.OnDeviceOnlineAsync("kiosk-3", 7, Ct);
        await engine.OnDeviceOnlineAsync("kiosk-3", 7, Ct);
        await engine.OnDeviceOnlineAsync("stranger", 1, Ct);

        Assert.Equal(2, _sent.Count("kiosk-3"));
        Assert.True(_sent.Versions("kiosk-3")[1] > _sent.Versions("kiosk-3")[0]);
        Assert.Equal(0, _sent.Count("stranger")); // no rollout asks it anything
    }

    private RolloutEngine Engine(Sent? sent = null) => new(
        _store, sent ?? _sent, Options.Create(new CloudOptions { Rollouts = new RolloutOptions { TickSeconds = 1, DesiredResendSeconds = 5 } }), _time, NullLogger<RolloutEngine>.Instance);

    private async Task<Rollout> CreateAsync(RolloutEngine engine)
    {
        foreach (string id in s_devices)
        {
            await _store.AddDeviceAsync(new DeviceRecord { DeviceId = id, PasswordHash = "-", CreatedAt = _time.GetUtcNow() }, Ct);
            await _store.UpdateModelsAsync(id, [new ModelRef { Name = "silero_vad", Version = "v5", Slot = "active" }], Ct);
        }

        var model = new SignedModelManifest
        {
            Manifest = new ModelPackageManifest { Name = "silero_vad", Kind = ModelPackageManifest.Vad, Version = "v6", Inputs = [], Outputs = [] },
            Sha256 = "-", Signature = "-",
        };
        var request = new RolloutRequest
        {
            Model = "silero_vad", Version = "v6", Strategy = "canary", ShadowSeconds = 20, Stages = [new(50, 10, false), new(100, 10, false)],
            Gates = new RolloutGates { MinDevices = 1, MinSamples = 1, MinAgreement = 0.8 }, DeviceDeadlineSeconds = 60,
        };
        return await engine.CreateAsync(request, null, model, "ops", Ct);
    }

    private async Task ReportAllAsync(RolloutEngine engine, Rollout r, string phase, ulong seq)
    {
        foreach (string d in s_devices)
        {
            Assert.True(await engine.OnProgressAsync(d, Progress(r, d, phase, seq), Ct));
        }
    }

    private RolloutProgress Progress(Rollout r, string device, string phase, ulong seq) => new()
    {
        RolloutId = r.Id, Name = r.Model, Version = r.Version, Phase = phase, Seq = seq, At = _time.GetUtcNow(),
        // In shadow the candidate beside the live model; serving, the previous model beside the candidate (probation).
        Health = new CandidateHealth(50, phase is RolloutProgress.ShadowPhase or RolloutProgress.ActivePhase ? 0.95 : null, 0.01, 1),
    };

    /// <summary>The desired states an engine sent, per device, in order.</summary>
    private sealed class Sent : IDesiredPublisher
    {
        private readonly List<(string DeviceId, DesiredState State)> _sent = [];

        public DesiredState Last(string deviceId) => _sent.Last(s => s.DeviceId == deviceId).State;

        public int Count(string deviceId) => _sent.Count(s => s.DeviceId == deviceId);

        /// <summary>The modes the device was asked, each once in a row (a state sent again counts once).</summary>
        public List<string> Modes(string deviceId) => _sent.Where(s => s.DeviceId == deviceId).Select(s => s.State.Models.Single().Mode)
            .Aggregate(new List<string>(), (l, m) => { if (l.Count == 0 || l[^1] != m) { l.Add(m); } return l; });

        public List<long> Versions(string deviceId) => _sent.Where(s => s.DeviceId == deviceId).Select(s => s.State.Version).ToList();

        public Task PublishDesiredAsync(string deviceId, DesiredState state, CancellationToken cancellationToken)
        {
            lock (_sent)
            {
                _sent.Add((deviceId, state));
            }

            return Task.CompletedTask;
        }
    }
}
