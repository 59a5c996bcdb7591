using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Mqtt;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Rollouts;

/// <summary>
/// Drives rollouts: asks devices through their retained <c>state/desired</c>, reads their progress, and moves each
/// rollout on — shadow → canary stages (or preload → switch for blue-green) → commit — when a stage's gate passes,
/// pauses it when the evidence is inconclusive or a stage needs approval, and rolls it all back when a gate fails.
/// Every transition is kept in the rollout's history and the audit log with its reason. (The publisher is resolved
/// when needed: the broker's ingest reports progress here, so they cannot be built in each other's constructors.)
/// </summary>
public sealed partial class RolloutEngine(
    ICloudStore store,
    IServiceProvider services,
    IOptions<CloudOptions> options,
    TimeProvider time,
    ILogger<RolloutEngine> logger) : BackgroundService
{
    public const string Actor = "rollout-engine";
    private static readonly string[] s_shadowGood = [RolloutProgress.ShadowPhase];
    private static readonly string[] s_activeGood = [RolloutProgress.ActivePhase, RolloutProgress.CommittedPhase];
    private static readonly string[] s_stagedGood = [RolloutProgress.Verified];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, long> _desiredVersions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _connections = new(StringComparer.Ordinal);
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():n}";
    private bool _leading;

    public async Task<Rollout> CreateAsync(RolloutRequest request, Dictionary<string, string>? labels, SignedModelManifest model, string actor, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        string id = $"ro-{now:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        IReadOnlyList<DeviceRecord> all = await store.ListDevicesAsync(cancellationToken);
        var devices = all
            .Where(d => labels is null || labels.All(l => d.Labels.Get(l.Key) == l.Value))
            .OrderBy(d => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{d.DeviceId}/{id}"))), StringComparer.Ordinal)
            .Select((d, rank) => new RolloutDevice
            {
                DeviceId = d.DeviceId, Rank = rank,
                Baseline = d.Models.FirstOrDefault(m => m.Name == model.Manifest.Name && m.Slot is null or "active")?.Version,
            })
            .ToList();
        string first = (request.Strategy, request.ShadowSeconds > 0) switch
        {
            ("shadow", _) or (_, true) => RolloutSteps.Shadow,
            ("blue-green", _) => RolloutSteps.Preload,
            _ => RolloutSteps.Stage,
        };
        var rollout = new Rollout
        {
            Id = id, Model = model.Manifest.Name, Version = model.Manifest.Version, Kind = model.Manifest.Kind, Target = labels,
            Strategy = request.Strategy!, Stages = request.Stages ?? [], ShadowSeconds = request.ShadowSeconds, Gates = request.Gates ?? new RolloutGates(),
            ProbationSeconds = request.ProbationSeconds ?? 300,
            DeviceDeadlineSeconds = request.DeviceDeadlineSeconds ?? options.Value.Rollouts.DeviceDeadlineSeconds,
            Devices = devices, CreatedAt = now, CreatedBy = actor, StepStartedAt = now, Step = first,
        };
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await TransitionAsync(rollout, "created", Describe(rollout), $"{devices.Count} devices targeted by {actor}", actor, cancellationToken);
            await EnterStepAsync(rollout, first, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }

        return rollout;
    }

    public async Task<Rollout?> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetRolloutAsync(id, cancellationToken) is { } json ? JsonSerializer.Deserialize(json, RolloutJsonContext.Default.Rollout) : null;

    public async Task<IReadOnlyDictionary<string, RolloutDeviceReport>> ReportsAsync(string id, CancellationToken cancellationToken) =>
        (await store.ListRolloutDevicesAsync(id, cancellationToken))
            .ToDictionary(r => r.Key, r => JsonSerializer.Deserialize(r.Value, RolloutJsonContext.Default.RolloutDeviceReport)!, StringComparer.Ordinal);

    /// <summary>An operator's pause, resume, promote, abort or rollback; null when it does not apply (with why).</summary>
    public async Task<(Rollout? Rollout, string? Problem)> CommandAsync(string id, string action, string actor, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Rollout? r = await GetAsync(id, cancellationToken);
            if (r is null)
            {
                return (null, $"no rollout {id}");
            }

            bool finished = r.State is Rollout.Completed or Rollout.RolledBack or Rollout.Aborted;
            string by = $"{action} by {actor}";
            switch (action)
            {
                case "pause" when r.State == Rollout.Running:
                    r.State = Rollout.Paused;
                    await TransitionAsync(r, Rollout.Running, Rollout.Paused, by, actor, cancellationToken);
                    return (r, null);
                case "resume" when r.State == Rollout.Paused && r.AwaitingApproval:
                    return (null, $"{Describe(r)} awaits approval: promote it to go on");
                case "resume" when r.State == Rollout.Paused:
                    r.State = Rollout.Running;
                    await TransitionAsync(r, Rollout.Paused, Rollout.Running, by, actor, cancellationToken);
                    return (r, null);
                case "promote" when r.AwaitingApproval:
                    r.State = Rollout.Running;
                    r.AwaitingApproval = false;
                    await TransitionAsync(r, Rollout.Paused, Describe(r), "approved: " + by, actor, cancellationToken);
                    await EnterStepAsync(r, r.Step, cancellationToken);
                    return (r, null);
                case "promote" when !finished:
                    r.State = Rollout.Running;
                    await AdvanceAsync(r, by, actor, cancellationToken);
                    return (r, null);
                case "abort" when !finished:
                    await AbortAsync(r, by, actor, cancellationToken);
                    return (r, null);
                case "rollback" when r.State != Rollout.RolledBack:
                    await RollBackAsync(r, by, actor, cancellationToken);
                    return (r, null);
                default:
                    return (null, $"cannot {action} a rollout that is {r.State}");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A device's progress (from any cloud instance's ingest): stored per device, read by the driving instance.</summary>
    public async Task<bool> OnProgressAsync(string deviceId, RolloutProgress p, CancellationToken cancellationToken)
    {
        if (await GetAsync(p.RolloutId, cancellationToken) is not { } r || r.Devices.All(d => d.DeviceId != deviceId))
        {
            return false;
        }

        var report = new RolloutDeviceReport(p.Phase, p.Reason, p.Health, p.Bytes, p.At);
        await store.SetRolloutDeviceAsync(p.RolloutId, deviceId, JsonSerializer.Serialize(report, RolloutJsonContext.Default.RolloutDeviceReport), cancellationToken);
        if (p.Phase is RolloutProgress.Rejected or RolloutProgress.Failed or RolloutProgress.RolledBackPhase)
        {
            Log.DeviceTrouble(logger, r.Id, deviceId, p.Phase, p.Reason ?? "");
        }

        return true;
    }

    /// <summary>A device came online: its desired state is published again (an embedded broker forgets retained messages on restart).</summary>
    public Task OnDeviceOnlineAsync(string deviceId, long bdSeq, CancellationToken cancellationToken)
    {
        if (_connections.TryGetValue(deviceId, out long seen) && seen == bdSeq)
        {
            return Task.CompletedTask; // the same connection announcing again (e.g. new models)
        }

        _connections[deviceId] = bdSeq;
        return PublishDesiredAsync(deviceId, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Rollouts.Drive)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Rollouts.TickSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.TickFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; every rollout's state is stored.
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        // One instance drives: the lease is renewed every tick and expires a few ticks after its holder stops.
        DateTimeOffset now = time.GetUtcNow();
        TimeSpan lease = TimeSpan.FromSeconds(Math.Max(10, 5 * options.Value.Rollouts.TickSeconds));
        bool leading = await store.TryLeaseAsync("rollouts", _holder, now, now + lease, cancellationToken);
        if (leading != _leading)
        {
            _leading = leading;
            Log.Leading(logger, _holder, leading);
        }

        if (!leading)
        {
            return;
        }

        foreach (string json in await store.ListRolloutsAsync(cancellationToken))
        {
            Rollout listed = JsonSerializer.Deserialize(json, RolloutJsonContext.Default.Rollout)!;
            if (listed.State != Rollout.Running)
            {
                continue;
            }

            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (await GetAsync(listed.Id, cancellationToken) is { State: Rollout.Running } r)
                {
                    await EvaluateAsync(r, cancellationToken);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private async Task EvaluateAsync(Rollout r, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, RolloutDeviceReport> reports = await ReportsAsync(r.Id, cancellationToken);
        DateTimeOffset now = time.GetUtcNow();
        double elapsed = (now - r.StepStartedAt).TotalSeconds;
        (IReadOnlyList<string> devices, string[] good, bool shadow, double waitSeconds) = r.Step switch
        {
            RolloutSteps.Shadow => (Ids(r.Devices), s_shadowGood, true, r.ShadowSeconds),
            RolloutSteps.Stage => (Ids(Selected(r, r.Stage)), s_activeGood, false, r.Stages[r.Stage].BakeSeconds),
            RolloutSteps.Preload => (Ids(r.Devices), s_stagedGood, false, 0),
            RolloutSteps.Switch => (Ids(r.Devices), s_activeGood, false, r.Stages.FirstOrDefault()?.BakeSeconds ?? 30),
            RolloutSteps.Commit => (Ids(r.Devices.Where(d => d.Mode == DesiredModel.Committed)), [RolloutProgress.CommittedPhase], false, 0),
            _ => ([], [], false, 0),
        };

        reports = await MarkSilentAsync(r, devices, good, reports, now, cancellationToken);
        bool allAnswered = devices.All(d => reports.TryGetValue(d, out RolloutDeviceReport? rep) && (good.Contains(rep.Phase) || RolloutGate.FailedPhases.Contains(rep.Phase)));
        if (r.Step == RolloutSteps.Commit)
        {
            if (allAnswered)
            {
                int committed = devices.Count(d => reports[d].Phase == RolloutProgress.CommittedPhase);
                await FinishAsync(r, Rollout.Completed, $"{committed} of {devices.Count} devices committed {r.Model}@{r.Version}", Actor, cancellationToken);
            }

            return;
        }

        // Failures count at once; agreement and latency are judged when the stage's time is up.
        bool waiting = elapsed < waitSeconds || (!allAnswered && !shadow);
        // A preload is judged on readiness alone: every device holds the candidate loaded, within the error rate.
        RolloutGates gates = r.Step == RolloutSteps.Preload ? r.Gates with { MinSamples = 0, MinAgreement = 0, MaxP95Ms = 0 } : r.Gates;
        GateResult gate = RolloutGate.Evaluate(waiting ? gates with { MinAgreement = 0, MaxP95Ms = 0 } : gates, devices, reports, good, shadow);
        if (gate.Outcome == GateResult.Failed)
        {
            await RollBackAsync(r, $"gate failed at {Describe(r)}: {gate.Reason}", Actor, cancellationToken);
            return;
        }

        if (waiting)
        {
            return; // still baking, or devices still on their way
        }

        if (gate.Outcome == GateResult.Undecided && elapsed < waitSeconds + r.DeviceDeadlineSeconds)
        {
            return; // reports may still come: evidence is awaited up to the device deadline, then the rollout pauses
        }

        if (gate.Outcome == GateResult.Undecided)
        {
            r.State = Rollout.Paused;
            await TransitionAsync(r, Rollout.Running, Rollout.Paused, $"inconclusive at {Describe(r)}: {gate.Reason}", Actor, cancellationToken);
            return;
        }

        await AdvanceAsync(r, $"gate passed at {Describe(r)}: {gate.Reason}", Actor, cancellationToken);
    }

    /// <summary>Devices that did not reach the expected phase within the deadline after being asked count as failed.</summary>
    private async Task<IReadOnlyDictionary<string, RolloutDeviceReport>> MarkSilentAsync(
        Rollout r, IReadOnlyList<string> devices, string[] good, IReadOnlyDictionary<string, RolloutDeviceReport> reports, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Dictionary<string, RolloutDeviceReport>? updated = null;
        foreach (RolloutDevice d in r.Devices.Where(d => devices.Contains(d.DeviceId) && d.AskedAt is { } at && (now - at).TotalSeconds > r.DeviceDeadlineSeconds))
        {
            if (reports.TryGetValue(d.DeviceId, out RolloutDeviceReport? rep) && (good.Contains(rep.Phase) || RolloutGate.FailedPhases.Contains(rep.Phase)))
            {
                continue;
            }

            var failed = new RolloutDeviceReport(RolloutProgress.Failed, $"no {string.Join(" or ", good)} report within {r.DeviceDeadlineSeconds} s (last: {rep?.Phase ?? "nothing"})", rep?.Health, rep?.Bytes, now);
            await store.SetRolloutDeviceAsync(r.Id, d.DeviceId, JsonSerializer.Serialize(failed, RolloutJsonContext.Default.RolloutDeviceReport), cancellationToken);
            (updated ??= new Dictionary<string, RolloutDeviceReport>(reports, StringComparer.Ordinal))[d.DeviceId] = failed;
        }

        return updated ?? reports;
    }

    /// <summary>On to the next step: the next canary stage (paused first if it needs approval), the switch, or the commit.</summary>
    private async Task AdvanceAsync(Rollout r, string reason, string actor, CancellationToken cancellationToken)
    {
        (string step, int stage) = (r.Strategy, r.Step) switch
        {
            ("shadow", RolloutSteps.Shadow) => (RolloutSteps.Done, 0),
            ("blue-green", RolloutSteps.Shadow) => (RolloutSteps.Preload, 0),
            ("blue-green", RolloutSteps.Preload) => (RolloutSteps.Switch, 0),
            (_, RolloutSteps.Shadow) => (RolloutSteps.Stage, 0),
            (_, RolloutSteps.Stage) when r.Stage + 1 < r.Stages.Count => (RolloutSteps.Stage, r.Stage + 1),
            (_, RolloutSteps.Commit) => (RolloutSteps.Done, 0),
            _ => (RolloutSteps.Commit, 0),
        };

        if (step == RolloutSteps.Done)
        {
            await FinishAsync(r, Rollout.Completed, reason, actor, cancellationToken);
            return;
        }

        if (step == RolloutSteps.Stage && r.Stages[stage].RequireApproval && actor == Actor)
        {
            string before = Describe(r);
            r.State = Rollout.Paused;
            r.AwaitingApproval = true;
            r.Step = step;
            r.Stage = stage;
            r.StepStartedAt = time.GetUtcNow();
            await TransitionAsync(r, before, Rollout.Paused, $"{reason}; {Describe(r)} requires approval (promote)", actor, cancellationToken);
            return;
        }

        string from = Describe(r);
        r.Stage = stage;
        await TransitionAsync(r, from, Describe(r, step, stage), reason, actor, cancellationToken);
        await EnterStepAsync(r, step, cancellationToken);
    }

    private async Task EnterStepAsync(Rollout r, string step, CancellationToken cancellationToken)
    {
        r.Step = step;
        r.StepStartedAt = time.GetUtcNow();
        HashSet<string> selected = step == RolloutSteps.Stage ? Ids(Selected(r, r.Stage)).ToHashSet() : [];
        foreach (RolloutDevice d in r.Devices)
        {
            string? mode = step switch
            {
                RolloutSteps.Shadow => DesiredModel.Shadow,
                RolloutSteps.Preload => DesiredModel.Staged,
                RolloutSteps.Switch => DesiredModel.Active,
                RolloutSteps.Stage when selected.Contains(d.DeviceId) => DesiredModel.Active,
                RolloutSteps.Stage when d.Mode == DesiredModel.Shadow => DesiredModel.Cancelled,
                RolloutSteps.Commit when d.Mode == DesiredModel.Active => DesiredModel.Committed,
                RolloutSteps.Commit when d.Mode == DesiredModel.Shadow => DesiredModel.Cancelled,
                _ => d.Mode,
            };
            Ask(d, mode);
        }

        await SaveAsync(r, cancellationToken);
        await PublishAllAsync(r, cancellationToken);
    }

    private async Task RollBackAsync(Rollout r, string reason, string actor, CancellationToken cancellationToken)
    {
        foreach (RolloutDevice d in r.Devices.Where(d => d.Mode is not null and not DesiredModel.Cancelled))
        {
            Ask(d, DesiredModel.RolledBack); // a device shadowing or staging drops the candidate; one serving it goes back
        }

        await FinishAsync(r, Rollout.RolledBack, reason, actor, cancellationToken);
        Log.RolledBack(logger, r.Id, r.Model, r.Version, reason);
    }

    private async Task AbortAsync(Rollout r, string reason, string actor, CancellationToken cancellationToken)
    {
        foreach (RolloutDevice d in r.Devices.Where(d => d.Mode is DesiredModel.Shadow or DesiredModel.Staged))
        {
            Ask(d, DesiredModel.Cancelled); // devices already switched keep the candidate; roll back to undo them
        }

        await FinishAsync(r, Rollout.Aborted, reason, actor, cancellationToken);
    }

    private async Task FinishAsync(Rollout r, string state, string reason, string actor, CancellationToken cancellationToken)
    {
        string from = r.State == Rollout.Running ? Describe(r) : r.State;
        r.State = state;
        r.Step = RolloutSteps.Done;
        r.AwaitingApproval = false;
        if (state == Rollout.Completed)
        {
            foreach (RolloutDevice d in r.Devices.Where(d => d.Mode is DesiredModel.Shadow or DesiredModel.Staged))
            {
                Ask(d, DesiredModel.Cancelled); // a shadow-only rollout ends with the candidate unloaded
            }
        }

        await TransitionAsync(r, from, state, reason, actor, cancellationToken);
        await PublishAllAsync(r, cancellationToken);
    }

    private void Ask(RolloutDevice d, string? mode)
    {
        if (mode != d.Mode)
        {
            d.Mode = mode;
            d.AskedAt = time.GetUtcNow();
        }
    }

    private async Task TransitionAsync(Rollout r, string from, string to, string reason, string actor, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        r.History.Add(new RolloutTransition(now, from, to, reason));
        await SaveAsync(r, cancellationToken);
        await store.AppendAuditAsync(new AuditRecord(now, actor, actor == Actor ? "system" : "operator", "rollout", r.Id, $"{from} -> {to}: {reason}"), cancellationToken);
        Log.Transition(logger, r.Id, from, to, reason);
    }

    private Task SaveAsync(Rollout r, CancellationToken cancellationToken) =>
        store.SaveRolloutAsync(r.Id, JsonSerializer.Serialize(r, RolloutJsonContext.Default.Rollout), cancellationToken);

    private async Task PublishAllAsync(Rollout r, CancellationToken cancellationToken)
    {
        foreach (RolloutDevice d in r.Devices.Where(d => d.Mode is not null))
        {
            await PublishDesiredAsync(d.DeviceId, cancellationToken);
        }
    }

    /// <summary>The device's desired state: per model name, what the newest rollout that asked it something wants.</summary>
    private async Task PublishDesiredAsync(string deviceId, CancellationToken cancellationToken)
    {
        var models = new Dictionary<string, DesiredModel>(StringComparer.Ordinal);
        foreach (string json in await store.ListRolloutsAsync(cancellationToken))
        {
            Rollout r = JsonSerializer.Deserialize(json, RolloutJsonContext.Default.Rollout)!;
            if (r.Devices.FirstOrDefault(d => d.DeviceId == deviceId) is { Mode: { } mode } d)
            {
                models[r.Model] = new DesiredModel
                {
                    RolloutId = r.Id, Name = r.Model, Version = r.Version, Mode = mode, Fallback = d.Baseline,
                    Reason = mode == DesiredModel.RolledBack ? r.History.LastOrDefault()?.Reason : null,
                    ProbationSeconds = r.ProbationSeconds, MaxP95Ms = r.Gates.MaxP95Ms,
                };
            }
        }

        if (models.Count == 0)
        {
            return;
        }

        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long version = _desiredVersions.AddOrUpdate(deviceId, now, (_, last) => Math.Max(last + 1, now));
        var desired = new DesiredState { Version = version, IssuedAt = time.GetUtcNow(), Models = models.Values.ToList() };
        try
        {
            await services.GetRequiredService<ICommandPublisher>().PublishDesiredAsync(deviceId, JsonSerializer.SerializeToUtf8Bytes(desired, ContractsJsonContext.Default.DesiredState), cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            Log.PublishFailed(logger, deviceId, ex.Message); // published again when the device comes online
        }
    }

    private static IEnumerable<RolloutDevice> Selected(Rollout r, int stage)
    {
        int count = (int)Math.Ceiling(r.Devices.Count * r.Stages[stage].Percent / 100.0);
        return r.Devices.Where(d => d.Rank < Math.Max(1, count));
    }

    private static List<string> Ids(IEnumerable<RolloutDevice> devices) => devices.Select(d => d.DeviceId).ToList();

    private static string Describe(Rollout r) => Describe(r, r.Step, r.Stage);

    private static string Describe(Rollout r, string step, int stage) => step == RolloutSteps.Stage
        ? $"stage {stage + 1} ({r.Stages[stage].Percent}%)"
        : step;
}
