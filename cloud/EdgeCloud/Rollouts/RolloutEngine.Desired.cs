using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Mqtt;
using EdgeCloud.Storage;

namespace EdgeCloud.Rollouts;

/// <summary>What the engine asks of devices: per device, its desired state over every rollout, published retained.</summary>
public sealed partial class RolloutEngine
{
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
}
