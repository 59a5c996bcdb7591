using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeAgent.Contracts;
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
        Transition(rollout, "created", Describe(rollout), $"{devices.Count} devices targeted by {actor}", actor);
        EnterStep(rollout, first);
        return await TryStoreAsync(rollout, seen: 0, asked: "", cancellationToken)
            ? rollout
            : throw new InvalidOperationException($"rollout {id} exists already");
    }

    public async Task<Rollout?> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetRolloutAsync(id, cancellationToken) is { } json ? JsonSerializer.Deserialize(json, RolloutJsonContext.Default.Rollout) : null;

    /// <summary>Every rollout, oldest first.</summary>
    public async Task<List<Rollout>> ListAsync(CancellationToken cancellationToken) =>
        (await store.ListRolloutsAsync(cancellationToken)).Select(json => JsonSerializer.Deserialize(json, RolloutJsonContext.Default.Rollout)!).ToList();

    public async Task<IReadOnlyDictionary<string, RolloutDeviceReport>> ReportsAsync(string id, CancellationToken cancellationToken) =>
        (await store.ListRolloutDevicesAsync(id, cancellationToken))
            .ToDictionary(r => r.Key, r => JsonSerializer.Deserialize(r.Value, RolloutJsonContext.Default.RolloutDeviceReport)!, StringComparer.Ordinal);

    /// <summary>An operator's pause, resume, promote, abort or rollback; null when it does not apply (with why).</summary>
    public async Task<(Rollout? Rollout, string? Problem)> CommandAsync(string id, string action, string actor, CancellationToken cancellationToken)
    {
        (Rollout? r, string? problem) = await ChangeAsync(id, r => Task.FromResult(Command(r, action, actor)), cancellationToken);
        return r is null ? (null, $"no rollout {id}") : problem is null ? (r, null) : (null, problem);
    }

    private string? Command(Rollout r, string action, string actor)
    {
        bool finished = r.State is Rollout.Completed or Rollout.RolledBack or Rollout.Aborted;
        string by = $"{action} by {actor}";
        switch (action)
        {
            case "pause" when r.State == Rollout.Running:
                r.State = Rollout.Paused;
                Transition(r, Rollout.Running, Rollout.Paused, by, actor);
                return null;
            case "resume" when r.State == Rollout.Paused && r.AwaitingApproval:
                return $"{Describe(r)} awaits approval: promote it to go on";
            case "resume" when r.State == Rollout.Paused:
                r.State = Rollout.Running;
                Transition(r, Rollout.Paused, Rollout.Running, by, actor);
                return null;
            case "promote" when r.AwaitingApproval:
                r.State = Rollout.Running;
                r.AwaitingApproval = false;
                Transition(r, Rollout.Paused, Describe(r), "approved: " + by, actor);
                EnterStep(r, r.Step);
                return null;
            case "promote" when !finished:
                r.State = Rollout.Running;
                Advance(r, by, actor);
                return null;
            case "abort" when !finished:
                Abort(r, by, actor);
                return null;
            case "rollback" when r.State != Rollout.RolledBack:
                RollBack(r, by, actor);
                return null;
            default:
                return $"cannot {action} a rollout that is {r.State}";
        }
    }

    /// <summary>A device's progress (from any cloud instance's ingest): stored per device, read by the driving instance.</summary>
    public async Task<bool> OnProgressAsync(string deviceId, RolloutProgress p, CancellationToken cancellationToken)
    {
        if (await GetAsync(p.RolloutId, cancellationToken) is not { } r || r.Devices.All(d => d.DeviceId != deviceId))
        {
            return false;
        }

        var report = new RolloutDeviceReport(p.Phase, p.Reason, p.Health, p.Bytes, p.At, p.Seq);
        if (!await store.SetRolloutDeviceAsync(p.RolloutId, deviceId, p.Seq, JsonSerializer.Serialize(report, RolloutJsonContext.Default.RolloutDeviceReport), cancellationToken))
        {
            return true; // older than what is stored (a backlog delivered late): accepted, and superseded
        }

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
        return PublishDesiredAsync([deviceId], cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Rollouts.Drive)
        {
            return;
        }

        long failures = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Rollouts.TickSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await TickAsync(stoppingToken);
                    failures = 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (++failures <= 3 || long.IsPow2(failures))
                    {
                        Log.TickFailed(logger, ex, failures); // e.g. the store is down: the first times, then sparsely
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; every rollout's state is stored.
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
