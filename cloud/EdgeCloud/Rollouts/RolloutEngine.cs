using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Rollouts;

/// <summary>
/// Drives rollouts along their strategy's <see cref="RolloutStepTable"/>: <see cref="RolloutDecider"/> decides, this
/// stores what it decided (only over the revision it was decided on; on a lost race it reads and decides again), audits
/// every transition, and asks the devices through their retained <c>state/desired</c> (<see cref="IDesiredPublisher"/>):
/// every device whose desired state changes is sent it, and sent it again until it acknowledges it. Progress, reported
/// states and connections come in through <see cref="IRolloutInbox"/>. One instance drives (the store's lease); any
/// instance takes operators' commands.
/// </summary>
public sealed partial class RolloutEngine(
    ICloudStore store,
    IDesiredPublisher publisher,
    IOptions<CloudOptions> options,
    TimeProvider time,
    ILogger<RolloutEngine> logger) : BackgroundService, IRolloutInbox
{
    public const string Actor = RolloutDecider.Actor;
    private const int MaxAttempts = 20;
    private static readonly IReadOnlyDictionary<string, RolloutDeviceReport> s_noReports = new Dictionary<string, RolloutDeviceReport>();
    private readonly ConcurrentDictionary<string, long> _connections = new(StringComparer.Ordinal);
    private readonly DesiredLedger _ledger = new(TimeSpan.FromSeconds(options.Value.Rollouts.DesiredResendSeconds));
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():n}";
    private bool _leading;

    /// <summary>The random part of new rollout ids (a simulation seeds it, so that a seed's canary order replays exactly).</summary>
    internal Func<int, byte[]> IdBytes { get; set; } = RandomNumberGenerator.GetBytes;

    /// <summary>Whether this instance holds the driving lease (as of its last tick).</summary>
    public bool Leading => _leading;

    public async Task<Rollout> CreateAsync(RolloutRequest request, Dictionary<string, string>? labels, SignedModelManifest model, string actor, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        string id = $"ro-{now:yyyyMMddHHmmss}-{Convert.ToHexStringLower(IdBytes(3))}";
        IReadOnlyList<DeviceRecord> all = await store.ListDevicesAsync(cancellationToken);
        var devices = all
            .Where(d => LabelSelector.Selects(labels, d.Labels))
            .OrderBy(d => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{d.DeviceId}/{id}"))), StringComparer.Ordinal)
            .Select((d, rank) => new RolloutDevice
            {
                DeviceId = d.DeviceId, Rank = rank,
                Baseline = d.Models.FirstOrDefault(m => m.Name == model.Manifest.Name && m.Slot is null or "active")?.Version,
            })
            .ToList();
        var rollout = new Rollout
        {
            Id = id, Model = model.Manifest.Name, Version = model.Manifest.Version, Kind = model.Manifest.Kind, Target = labels,
            Strategy = RolloutNames.ParseStrategy(request.Strategy) ?? throw new ArgumentException($"strategy must be one of {string.Join(", ", RolloutRequest.Strategies)}", nameof(request)),
            Stages = request.Stages ?? [], ShadowSeconds = request.ShadowSeconds, Gates = request.Gates ?? new RolloutGates(),
            ProbationSeconds = request.ProbationSeconds ?? 300,
            DeviceDeadlineSeconds = request.DeviceDeadlineSeconds ?? options.Value.Rollouts.DeviceDeadlineSeconds,
            Devices = devices, CreatedAt = now, CreatedBy = actor, StepStartedAt = now,
        };
        RolloutDecision started = RolloutDecider.Start(rollout, actor, now);
        if (!await TryStoreAsync(started, revision: 1, cancellationToken))
        {
            throw new InvalidOperationException($"rollout {id} exists already");
        }

        await SendAsync(await ListAsync(cancellationToken), devices.Select(d => d.DeviceId), force: false, cancellationToken);
        return started.Rollout;
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
        if (!Enum.TryParse(action, ignoreCase: true, out RolloutAction parsed) || !RolloutApi.Actions.Contains(action))
        {
            return (null, $"no action '{action}' ({string.Join(", ", RolloutApi.Actions)})");
        }

        RolloutDecision? d = await ChangeAsync(id, (r, _) => RolloutDecider.Command(r, parsed, actor, time.GetUtcNow()), withReports: false, publish: true, cancellationToken);
        return d is null ? (null, $"no rollout {id}") : d.Problem is null ? (d.Rollout, null) : (null, d.Problem);
    }

    /// <summary>A device's progress (from any cloud instance's ingest): stored per device, read by the driving instance.</summary>
    public async Task<bool> OnProgressAsync(string deviceId, RolloutProgress progress, CancellationToken cancellationToken)
    {
        if (await GetAsync(progress.RolloutId, cancellationToken) is not { } r || r.Devices.All(d => d.DeviceId != deviceId))
        {
            return false;
        }

        var report = new RolloutDeviceReport(progress.Phase, progress.Reason, progress.Health, progress.Bytes, progress.At, progress.Seq);
        if (!await store.SetRolloutDeviceAsync(progress.RolloutId, deviceId, progress.Seq, JsonSerializer.Serialize(report, RolloutJsonContext.Default.RolloutDeviceReport), cancellationToken))
        {
            return true; // older than what is stored (a backlog delivered late): accepted, and superseded
        }

        if (progress.Phase is RolloutProgress.Rejected or RolloutProgress.Failed or RolloutProgress.RolledBackPhase)
        {
            Log.DeviceTrouble(logger, r.Id, deviceId, progress.Phase, progress.Reason ?? "");
        }

        return true;
    }

    /// <summary>The device's applied version acknowledges the desired states up to it.</summary>
    public Task OnReportedAsync(string deviceId, ReportedState reported, CancellationToken cancellationToken)
    {
        _ledger.Acknowledge(deviceId, reported.AppliedVersion);
        return Task.CompletedTask;
    }

    /// <summary>A device came online: its desired state is published again (an embedded broker forgets retained messages on restart).</summary>
    public async Task OnDeviceOnlineAsync(string deviceId, long bdSeq, CancellationToken cancellationToken)
    {
        if (_connections.TryGetValue(deviceId, out long seen) && seen == bdSeq)
        {
            return; // the same connection announcing again (e.g. new models)
        }

        _connections[deviceId] = bdSeq;
        await SendAsync(await ListAsync(cancellationToken), [deviceId], force: true, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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

    public override void Dispose()
    {
        _sending.Dispose();
        base.Dispose();
    }
}
