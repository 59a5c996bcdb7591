using System.Text.Json;
using EdgeCloud.Storage;

namespace EdgeCloud.Rollouts;

/// <summary>The engine's tick, and how one decision is stored: read, decide, then write (outside the decision).</summary>
public sealed partial class RolloutEngine
{
    /// <summary>
    /// One round: desired states not acknowledged in time go out again; then, when this instance holds the driving
    /// lease, every running rollout is decided on and stored, and every device whose desired state changed is sent it
    /// (all of them when this instance just took the lease: a driver that stopped between storing and sending may not have).
    /// </summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await ResendAsync(cancellationToken);
        if (!options.Value.Rollouts.Drive)
        {
            return;
        }

        // One instance drives: the lease is renewed every tick and expires a few ticks after its holder stops.
        DateTimeOffset now = time.GetUtcNow();
        TimeSpan lease = TimeSpan.FromSeconds(Math.Max(10, 5 * options.Value.Rollouts.TickSeconds));
        bool leading = await store.TryLeaseAsync("rollouts", _holder, now, now + lease, cancellationToken);
        bool tookOver = leading && !_leading;
        if (leading != _leading)
        {
            _leading = leading;
            Log.Leading(logger, _holder, leading);
        }

        if (!leading)
        {
            return;
        }

        List<Rollout> rollouts = await ListAsync(cancellationToken);
        for (int i = 0; i < rollouts.Count; i++)
        {
            Quality.QualityRow? labelled = await LabelledQualityAsync(rollouts[i], cancellationToken);
            if (rollouts[i].State == RolloutState.Running
                && await ChangeAsync(rollouts[i].Id, (r, reports) => RolloutDecider.Tick(r, reports, time.GetUtcNow(), labelled), withReports: true, publish: false, cancellationToken) is { } decided)
            {
                rollouts[i] = decided.Rollout;
            }
        }

        await SendAsync(rollouts, null, force: tookOver, cancellationToken);
    }

    /// <summary>
    /// One change of a rollout: read it (and its reports), let <paramref name="decide"/> decide on it, store the devices it
    /// counted silent, and store the decided rollout only over the revision it was read at. Two cloud instances (the
    /// driving one's tick, an operator's command on another) never overwrite each other: the one that loses reads again
    /// and decides again. Null when there is no such rollout.
    /// </summary>
    private async Task<RolloutDecision?> ChangeAsync(
        string id, Func<Rollout, IReadOnlyDictionary<string, RolloutDeviceReport>, RolloutDecision> decide, bool withReports, bool publish, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (await GetAsync(id, cancellationToken) is not { } read)
            {
                return null;
            }

            RolloutDecision decision = decide(read, withReports ? await ReportsAsync(id, cancellationToken) : s_noReports);
            bool silentStored = true;
            foreach (SilentDevice s in decision.Silent)
            {
                silentStored &= await store.SetRolloutDeviceAsync(id, s.DeviceId, s.Report.Seq, JsonSerializer.Serialize(s.Report, RolloutJsonContext.Default.RolloutDeviceReport), cancellationToken);
            }

            if (silentStored && (!decision.Changed || await TryStoreAsync(decision, read.Revision + 1, cancellationToken)))
            {
                if (decision.Changed && publish)
                {
                    await SendAsync(await ListAsync(cancellationToken), decision.Rollout.Devices.Select(d => d.DeviceId), force: false, cancellationToken);
                }

                return decision; // unchanged, or stored
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"rollout {id} changed under every one of {attempt} attempts to change it; try again");
            }
        }
    }

    /// <summary>Stores the decided rollout as <paramref name="revision"/>; once stored, its transitions are audited and logged.</summary>
    private async Task<bool> TryStoreAsync(RolloutDecision decision, long revision, CancellationToken cancellationToken)
    {
        Rollout r = decision.Rollout;
        r.Revision = revision;
        if (!await store.TrySaveRolloutAsync(r.Id, r.Revision, JsonSerializer.Serialize(r, RolloutJsonContext.Default.Rollout), cancellationToken))
        {
            return false;
        }

        foreach (RolloutTransition t in decision.Transitions)
        {
            await store.AppendAuditAsync(new AuditRecord(t.At, t.By, t.By == Actor ? "system" : "operator", "rollout", r.Id, $"{t.From} -> {t.To}: {t.Reason}"), cancellationToken);
            if (t.To == RolloutState.RolledBack.Name())
            {
                Log.RolledBack(logger, r.Id, r.Model, r.Version, t.Reason);
            }
            else
            {
                Log.Transition(logger, r.Id, t.From, t.To, t.Reason);
            }
        }

        return true;
    }
}
