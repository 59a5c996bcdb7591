using System.Text.Json;
using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>
/// The one place a rollout advances: a pure function of (rollout, device reports, now) — or of an operator's command —
/// to a <see cref="RolloutDecision"/>. It walks the strategy's <see cref="RolloutStepTable"/>: each step asks every
/// targeted device the mode its row says, waits for the row's evidence, and its gate passes (on to the next row, paused
/// first where a stage needs approval), fails (the rollout is rolled back) or stays inconclusive (waited for up to the
/// devices' deadline, then paused). It reads nothing and writes nothing; the engine stores what it decided.
/// </summary>
public static class RolloutDecider
{
    public const string Actor = "rollout-engine";

    /// <summary>A new rollout enters the first step of its table.</summary>
    public static RolloutDecision Start(Rollout rollout, string actor, DateTimeOffset now)
    {
        var w = new Work(rollout, now);
        RolloutStepSpec first = RolloutStepTable.For(w.R)[0];
        w.R.State = RolloutState.Running;
        w.Transition("created", first.Label, $"{w.R.Devices.Count} devices targeted by {actor}", actor);
        w.Enter(first);
        return w.Decision();
    }

    /// <summary>
    /// A running rollout's step judged on the reports: on, paused, rolled back, or unchanged. A canary stage with labelled
    /// gates also needs <paramref name="labelled"/> (the candidate's labelled quality on the stage's devices since the stage
    /// began): once its devices pass, it waits for labels (running, however long people take) and then passes or rolls back.
    /// </summary>
    public static RolloutDecision Tick(Rollout rollout, IReadOnlyDictionary<string, RolloutDeviceReport> reports, DateTimeOffset now, Quality.QualityRow? labelled = null)
    {
        var w = new Work(rollout, now);
        if (w.R.State != RolloutState.Running || RolloutStepTable.Current(w.R) is not { } spec)
        {
            return w.Decision();
        }

        List<string> scope = w.R.Devices.Where(spec.InScopeOf).Select(d => d.DeviceId).ToList();
        reports = w.MarkSilent(spec, scope, reports);
        bool allAnswered = scope.All(d => reports.TryGetValue(d, out RolloutDeviceReport? rep) && (spec.Evidence.Contains(rep.Phase) || RolloutGate.FailedPhases.Contains(rep.Phase)));
        if (spec.Gate is not { } gates)
        {
            // The commit is gated on failures too: a device that went back by itself (or refused, or stayed silent
            // past its deadline) at the last step means the candidate does not serve every device it was meant for.
            if (RolloutGate.ErrorRate(w.R.Gates, scope, reports, out _) is { } failedRate)
            {
                w.Finish(RolloutState.RolledBack, $"gate failed at {spec.Label}: {failedRate.Reason}", Actor);
            }
            else if (allAnswered)
            {
                int done = scope.Count(d => reports[d].Phase == RolloutProgress.CommittedPhase);
                w.Finish(RolloutState.Completed, $"{done} of {scope.Count} devices committed {w.R.Model}@{w.R.Version}", Actor);
            }

            return w.Decision();
        }

        // Failures count at once; agreement and latency are judged when the step's time is up.
        double elapsed = (now - w.R.StepStartedAt).TotalSeconds;
        bool waiting = elapsed < spec.WaitSeconds || (!allAnswered && !spec.ComparesWithLive);
        GateResult gate = RolloutGate.Evaluate(waiting ? gates with { MinAgreement = 0, MaxP95Ms = 0 } : gates, scope, reports, [.. spec.Evidence], spec.ComparesWithLive);
        if (gate.Outcome == GateOutcome.Fail)
        {
            w.Finish(RolloutState.RolledBack, $"gate failed at {spec.Label}: {gate.Reason}", Actor);
        }
        else if (waiting || (gate.Outcome == GateOutcome.Inconclusive && elapsed < spec.WaitSeconds + w.R.DeviceDeadlineSeconds))
        {
            // Still baking, devices still on their way, or evidence that may still come (up to the device deadline).
        }
        else if (gate.Outcome == GateOutcome.Inconclusive)
        {
            w.R.State = RolloutState.Paused;
            w.Transition(RolloutState.Running.Name(), RolloutState.Paused.Name(), $"inconclusive at {spec.Label}: {gate.Reason}", Actor);
        }
        else if (spec.Step == RolloutStep.Stage && gates.Labelled)
        {
            GateResult people = LabelledGate.Evaluate(gates, labelled);
            if (people.Outcome == GateOutcome.Fail)
            {
                w.Finish(RolloutState.RolledBack, $"labelled gate failed at {spec.Label}: {people.Reason}", Actor);
            }
            else if (people.Outcome == GateOutcome.Pass)
            {
                w.Advance($"gate passed at {spec.Label}: {gate.Reason}; {people.Reason}", Actor);
            }
        }
        else
        {
            w.Advance($"gate passed at {spec.Label}: {gate.Reason}", Actor);
        }

        return w.Decision();
    }

    /// <summary>An operator's command; the decision's <see cref="RolloutDecision.Problem"/> says why when it does not apply.</summary>
    public static RolloutDecision Command(Rollout rollout, RolloutAction action, string actor, DateTimeOffset now)
    {
        var w = new Work(rollout, now);
        Rollout r = w.R;
        bool finished = r.State is RolloutState.Completed or RolloutState.RolledBack or RolloutState.Aborted;
        string name = action.ToString().ToLowerInvariant();
        string by = $"{name} by {actor}";
        switch (action)
        {
            case RolloutAction.Pause when r.State == RolloutState.Running:
                r.State = RolloutState.Paused;
                w.Transition(RolloutState.Running.Name(), RolloutState.Paused.Name(), by, actor);
                break;
            case RolloutAction.Resume when r.State == RolloutState.Paused && r.AwaitingApproval:
                return w.Decision($"{w.Label} awaits approval: promote it to go on");
            case RolloutAction.Resume when r.State == RolloutState.Paused:
                r.State = RolloutState.Running;
                w.Transition(RolloutState.Paused.Name(), RolloutState.Running.Name(), by, actor);
                break;
            case RolloutAction.Promote when r.AwaitingApproval:
                r.State = RolloutState.Running;
                r.AwaitingApproval = false;
                w.Transition(RolloutState.Paused.Name(), w.Label, "approved: " + by, actor);
                w.Enter(RolloutStepTable.Current(r)!);
                break;
            case RolloutAction.Promote when !finished && r.Step == RolloutStep.Commit:
                // Nothing to skip: the commit ends when its devices have committed (a forced end would leave some behind).
                return w.Decision("cannot promote a rollout that is committing: it completes when its devices have committed");
            case RolloutAction.Promote when !finished:
                r.State = RolloutState.Running;
                w.Advance(by, actor);
                break;
            case RolloutAction.Abort when !finished:
                w.Finish(RolloutState.Aborted, by, actor);
                break;
            case RolloutAction.Rollback when r.State != RolloutState.RolledBack:
                w.Finish(RolloutState.RolledBack, by, actor);
                break;
            default:
                return w.Decision($"cannot {name} a rollout that is {r.State.Name()}");
        }

        return w.Decision();
    }

    /// <summary>A working copy of the rollout and what was decided on it.</summary>
    private sealed class Work(Rollout rollout, DateTimeOffset now)
    {
        private readonly List<RolloutTransition> _transitions = [];
        private readonly List<SilentDevice> _silent = [];

        public Rollout R { get; } = JsonSerializer.Deserialize(JsonSerializer.Serialize(rollout, RolloutJsonContext.Default.Rollout), RolloutJsonContext.Default.Rollout)!;

        /// <summary>The current step as history reads it.</summary>
        public string Label => RolloutStepTable.Current(R)?.Label ?? R.Step.Name();

        public RolloutDecision Decision(string? problem = null) => new(R, _transitions, _silent, problem);

        public void Transition(string from, string to, string reason, string actor)
        {
            var t = new RolloutTransition(now, from, to, reason, actor);
            R.History.Add(t);
            _transitions.Add(t);
        }

        /// <summary>Every targeted device is asked what the step's row says of it.</summary>
        public void Enter(RolloutStepSpec spec)
        {
            R.Step = spec.Step;
            R.Stage = spec.Stage;
            R.StepStartedAt = now;
            foreach (RolloutDevice d in R.Devices)
            {
                Ask(d, spec.ModeOf(d));
            }
        }

        /// <summary>On to the next row: the next stage (paused first if it needs approval and no operator asked), or the end.</summary>
        public void Advance(string reason, string actor)
        {
            if (RolloutStepTable.Next(R, R.Step, R.Stage) is not { } next)
            {
                Finish(RolloutState.Completed, reason, actor);
                return;
            }

            string from = Label;
            if (next.RequiresApproval && actor == Actor)
            {
                R.State = RolloutState.Paused;
                R.AwaitingApproval = true;
                R.Step = next.Step;
                R.Stage = next.Stage;
                R.StepStartedAt = now;
                Transition(from, RolloutState.Paused.Name(), $"{reason}; {next.Label} requires approval (promote)", actor);
                return;
            }

            Transition(from, next.Label, reason, actor);
            Enter(next);
        }

        /// <summary>The rollout ends; each device keeps what <see cref="RolloutStepTable.FinalMode"/> says.</summary>
        public void Finish(RolloutState end, string reason, string actor)
        {
            string from = R.State == RolloutState.Running ? Label : R.State.Name();
            R.State = end;
            R.Step = RolloutStep.Done;
            R.AwaitingApproval = false;
            foreach (RolloutDevice d in R.Devices)
            {
                Ask(d, RolloutStepTable.FinalMode(end, d.Mode));
            }

            Transition(from, end.Name(), reason, actor);
        }

        /// <summary>Devices in scope that did not reach the step's evidence within the deadline after being asked count as failed.</summary>
        public IReadOnlyDictionary<string, RolloutDeviceReport> MarkSilent(RolloutStepSpec spec, List<string> scope, IReadOnlyDictionary<string, RolloutDeviceReport> reports)
        {
            Dictionary<string, RolloutDeviceReport>? updated = null;
            foreach (RolloutDevice d in R.Devices.Where(d => scope.Contains(d.DeviceId) && d.AskedAt is { } at && (now - at).TotalSeconds > R.DeviceDeadlineSeconds))
            {
                if (reports.TryGetValue(d.DeviceId, out RolloutDeviceReport? rep) && (spec.Evidence.Contains(rep.Phase) || RolloutGate.FailedPhases.Contains(rep.Phase)))
                {
                    continue;
                }

                var failed = new RolloutDeviceReport(
                    RolloutProgress.Failed, $"no {string.Join(" or ", spec.Evidence)} report within {R.DeviceDeadlineSeconds} s (last: {rep?.Phase ?? "nothing"})", rep?.Health, rep?.Bytes, now, rep?.Seq ?? 0);
                _silent.Add(new SilentDevice(d.DeviceId, failed));
                (updated ??= new Dictionary<string, RolloutDeviceReport>(reports, StringComparer.Ordinal))[d.DeviceId] = failed;
            }

            return updated ?? reports;
        }

        private void Ask(RolloutDevice d, string? mode)
        {
            if (mode != d.Mode)
            {
                d.Mode = mode;
                d.AskedAt = now;
            }
        }
    }
}
