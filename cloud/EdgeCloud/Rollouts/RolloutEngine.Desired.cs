using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Mqtt;
using EdgeCloud.Storage;

namespace EdgeCloud.Rollouts;

/// <summary>
/// How a change of a rollout is stored, and what the engine asks of devices: per device, its desired state over
/// every rollout, published retained.
/// </summary>
public sealed partial class RolloutEngine
{
    private const int MaxAttempts = 20;

    /// <summary>
    /// One change of a rollout: read it, let <paramref name="change"/> decide on it in memory (it returns why it does
    /// not apply, or null), and store the result only over the revision it was read at. Two cloud instances (the driving
    /// one's tick, an operator's command on another) never overwrite each other: the one that loses reads the new
    /// revision and decides again. Null when there is no such rollout.
    /// </summary>
    private async Task<(Rollout? Rollout, string? Problem)> ChangeAsync(string id, Func<Rollout, Task<string?>> change, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (await GetAsync(id, cancellationToken) is not { } r)
            {
                return (null, null);
            }

            int seen = r.History.Count;
            string asked = Asked(r);
            string? problem = await change(r);
            if (r.History.Count == seen || await TryStoreAsync(r, seen, asked, cancellationToken))
            {
                return (r, problem); // unchanged (every change is a transition), or stored
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"rollout {id} changed under every one of {attempt} attempts to change it; try again");
            }
        }
    }

    /// <summary>Stores the next revision; once stored, its new transitions are audited and logged and the devices asked.</summary>
    private async Task<bool> TryStoreAsync(Rollout r, int seen, string asked, CancellationToken cancellationToken)
    {
        r.Revision++;
        if (!await store.TrySaveRolloutAsync(r.Id, r.Revision, JsonSerializer.Serialize(r, RolloutJsonContext.Default.Rollout), cancellationToken))
        {
            return false;
        }

        foreach (RolloutTransition t in r.History.Skip(seen))
        {
            await store.AppendAuditAsync(new AuditRecord(t.At, t.By, t.By == Actor ? "system" : "operator", "rollout", r.Id, $"{t.From} -> {t.To}: {t.Reason}"), cancellationToken);
            if (t.To == Rollout.RolledBack)
            {
                Log.RolledBack(logger, r.Id, r.Model, r.Version, t.Reason);
            }
            else
            {
                Log.Transition(logger, r.Id, t.From, t.To, t.Reason);
            }
        }

        if (Asked(r) != asked)
        {
            await PublishAllAsync(r, cancellationToken);
        }

        return true;
    }

    private static string Asked(Rollout r) => string.Join(',', r.Devices.Select(d => d.Mode));

    private void Transition(Rollout r, string from, string to, string reason, string actor) =>
        r.History.Add(new RolloutTransition(time.GetUtcNow(), from, to, reason, actor));

    private void Ask(RolloutDevice d, string? mode)
    {
        if (mode != d.Mode)
        {
            d.Mode = mode;
            d.AskedAt = time.GetUtcNow();
        }
    }

    private Task PublishAllAsync(Rollout r, CancellationToken cancellationToken) =>
        PublishDesiredAsync(r.Devices.Where(d => d.Mode is not null).Select(d => d.DeviceId), cancellationToken);

    /// <summary>
    /// Each device's desired state: per model name, what the newest rollout that asked it something wants. Every
    /// rollout is read once for all the devices.
    /// </summary>
    private async Task PublishDesiredAsync(IEnumerable<string> deviceIds, CancellationToken cancellationToken)
    {
        List<(Rollout Rollout, Dictionary<string, RolloutDevice> Devices)> rollouts = (await ListAsync(cancellationToken))
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => (r, r.Devices.ToDictionary(d => d.DeviceId, StringComparer.Ordinal)))
            .ToList();
        foreach (string deviceId in deviceIds)
        {
            var models = new Dictionary<string, DesiredModel>(StringComparer.Ordinal);
            foreach ((Rollout r, Dictionary<string, RolloutDevice> devices) in rollouts)
            {
                if (devices.TryGetValue(deviceId, out RolloutDevice? d) && d.Mode is { } mode)
                {
                    models[r.Model] = new DesiredModel
                    {
                        RolloutId = r.Id, Name = r.Model, Version = r.Version, Mode = mode, Fallback = d.Baseline,
                        Reason = mode == DesiredModel.RolledBack ? r.History.LastOrDefault()?.Reason : null,
                        ProbationSeconds = r.ProbationSeconds, MaxP95Ms = r.Gates.MaxP95Ms,
                        MinAgreement = r.Gates.MinAgreement, MinSamples = r.Gates.MinSamples,
                    };
                }
            }

            if (models.Count > 0)
            {
                await PublishAsync(deviceId, models.Values.ToList(), cancellationToken);
            }
        }
    }

    private async Task PublishAsync(string deviceId, List<DesiredModel> models, CancellationToken cancellationToken)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long version = _desiredVersions.AddOrUpdate(deviceId, now, (_, last) => Math.Max(last + 1, now));
        var desired = new DesiredState { Version = version, IssuedAt = time.GetUtcNow(), Models = models };
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
