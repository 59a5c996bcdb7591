using System.Text.Json;
using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>The engine's steps: each tick evaluates running rollouts, advances, pauses or rolls them back.</summary>
public sealed partial class RolloutEngine
{
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
            if (leading)
            {
                await RepublishAsync(cancellationToken); // what a driver that stopped between storing and asking may not have sent
            }
        }

        if (!leading)
        {
            return;
        }

        foreach (Rollout listed in await ListAsync(cancellationToken))
        {
            if (listed.State != Rollout.Running)
            {
                continue;
            }

            await ChangeAsync(
                listed.Id,
                async r =>
                {
                    if (r.State == Rollout.Running)
                    {
                        await EvaluateAsync(r, cancellationToken);
                    }

                    return null;
                },
                cancellationToken);
        }
    }

    private async Task RepublishAsync(CancellationToken cancellationToken) =>
        await PublishDesiredAsync(
            (await ListAsync(cancellationToken))
                .Where(r => r.State is Rollout.Running or Rollout.Paused)
                .SelectMany(r => r.Devices.Where(d => d.Mode is not null).Select(d => d.DeviceId))
                .Distinct(StringComparer.Ordinal),
            cancellationToken);

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
                Finish(r, Rollout.Completed, $"{committed} of {devices.Count} devices committed {r.Model}@{r.Version}", Actor);
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
            RollBack(r, $"gate failed at {Describe(r)}: {gate.Reason}", Actor);
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
            Transition(r, Rollout.Running, Rollout.Paused, $"inconclusive at {Describe(r)}: {gate.Reason}", Actor);
            return;
        }

        Advance(r, $"gate passed at {Describe(r)}: {gate.Reason}", Actor);
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

            var failed = new RolloutDeviceReport(RolloutProgress.Failed, $"no {string.Join(" or ", good)} report within {r.DeviceDeadlineSeconds} s (last: {rep?.Phase ?? "nothing"})", rep?.Health, rep?.Bytes, now, rep?.Seq ?? 0);
            if (await store.SetRolloutDeviceAsync(r.Id, d.DeviceId, failed.Seq, JsonSerializer.Serialize(failed, RolloutJsonContext.Default.RolloutDeviceReport), cancellationToken))
            {
                (updated ??= new Dictionary<string, RolloutDeviceReport>(reports, StringComparer.Ordinal))[d.DeviceId] = failed;
            }
        }

        return updated ?? reports;
    }

    /// <summary>On to the next step: the next canary stage (paused first if it needs approval), the switch, or the commit.</summary>
    private void Advance(Rollout r, string reason, string actor)
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
            Finish(r, Rollout.Completed, reason, actor);
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
            Transition(r, before, Rollout.Paused, $"{reason}; {Describe(r)} requires approval (promote)", actor);
            return;
        }

        string from = Describe(r);
        r.Stage = stage;
        Transition(r, from, Describe(r, step, stage), reason, actor);
        EnterStep(r, step);
    }

    private void EnterStep(Rollout r, string step)
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
    }

    private void RollBack(Rollout r, string reason, string actor)
    {
        foreach (RolloutDevice d in r.Devices.Where(d => d.Mode is not null and not DesiredModel.Cancelled))
        {
            Ask(d, DesiredModel.RolledBack); // a device shadowing or staging drops the candidate; one serving it goes back
        }

        Finish(r, Rollout.RolledBack, reason, actor);
    }

    private void Abort(Rollout r, string reason, string actor)
    {
        foreach (RolloutDevice d in r.Devices.Where(d => d.Mode is DesiredModel.Shadow or DesiredModel.Staged))
        {
            Ask(d, DesiredModel.Cancelled); // devices already switched keep the candidate; roll back to undo them
        }

        Finish(r, Rollout.Aborted, reason, actor);
    }

    private void Finish(Rollout r, string state, string reason, string actor)
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

        Transition(r, from, state, reason, actor);
    }
}
