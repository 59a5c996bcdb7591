using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>
/// Each strategy as an explicit table of steps (<see cref="RolloutStepSpec"/>):
/// <list type="bullet">
/// <item>shadow: shadow (every device runs the candidate beside the live model) → completed;</item>
/// <item>canary: [shadow] → stage 1 … n (a sticky prefix by rank serves the candidate, the other targeted devices
/// serve their baseline) → commit (the last stage's devices) → completed;</item>
/// <item>blue-green: [shadow] → preload (every device holds the candidate loaded) → switch (all serve it) → commit → completed.</item>
/// </list>
/// Once a rollout ends, <see cref="FinalMode"/> says what each device keeps.
/// </summary>
public static class RolloutStepTable
{
    private static readonly string[] s_shadow = [RolloutProgress.ShadowPhase];
    private static readonly string[] s_serving = [RolloutProgress.ActivePhase, RolloutProgress.CommittedPhase];
    private static readonly string[] s_staged = [RolloutProgress.Verified];
    private static readonly string[] s_committed = [RolloutProgress.CommittedPhase];

    /// <summary>The steps of <paramref name="r"/>'s strategy, in order.</summary>
    public static IReadOnlyList<RolloutStepSpec> For(Rollout r)
    {
        int all = r.Devices.Count;
        var steps = new List<RolloutStepSpec>();
        if (r.Strategy == RolloutStrategy.Shadow || r.ShadowSeconds > 0)
        {
            steps.Add(new RolloutStepSpec
            {
                Step = RolloutStep.Shadow, Label = RolloutStep.Shadow.Name(), ScopeSize = all, InScope = DesiredModel.Shadow,
                Evidence = s_shadow, WaitSeconds = r.ShadowSeconds, Gate = r.Gates, ComparesWithLive = true,
            });
        }

        switch (r.Strategy)
        {
            case RolloutStrategy.Canary:
                for (int i = 0; i < r.Stages.Count; i++)
                {
                    RolloutStage stage = r.Stages[i];
                    steps.Add(new RolloutStepSpec
                    {
                        Step = RolloutStep.Stage, Stage = i, Label = $"stage {i + 1} ({stage.Percent}%)", ScopeSize = StageSize(all, stage.Percent),
                        InScope = DesiredModel.Active, Evidence = s_serving, WaitSeconds = stage.BakeSeconds, Gate = r.Gates, RequiresApproval = stage.RequireApproval,
                    });
                }

                steps.Add(Commit(r.Stages.Count > 0 ? StageSize(all, r.Stages[^1].Percent) : all));
                break;
            case RolloutStrategy.BlueGreen:
                steps.Add(new RolloutStepSpec
                {
                    Step = RolloutStep.Preload, Label = RolloutStep.Preload.Name(), ScopeSize = all, InScope = DesiredModel.Staged, Evidence = s_staged,
                    Gate = r.Gates with { MinSamples = 0, MinAgreement = 0, MaxP95Ms = 0 }, // judged on readiness alone: loaded, within the error rate
                });
                steps.Add(new RolloutStepSpec
                {
                    Step = RolloutStep.Switch, Label = RolloutStep.Switch.Name(), ScopeSize = all, InScope = DesiredModel.Active, Evidence = s_serving,
                    WaitSeconds = r.Stages.FirstOrDefault()?.BakeSeconds ?? 30, Gate = r.Gates,
                });
                steps.Add(Commit(all));
                break;
            case RolloutStrategy.Shadow:
                break; // the shadow step is all there is
            default:
                throw new ArgumentOutOfRangeException(nameof(r), r.Strategy, "no such strategy");
        }

        return steps;
    }

    /// <summary>The row of <paramref name="r"/>'s current step, or null when it is done.</summary>
    public static RolloutStepSpec? Current(Rollout r) => Find(For(r), r.Step, r.Stage);

    /// <summary>The row after (<paramref name="step"/>, <paramref name="stage"/>), or null when that was the last.</summary>
    public static RolloutStepSpec? Next(Rollout r, RolloutStep step, int stage)
    {
        IReadOnlyList<RolloutStepSpec> table = For(r);
        int at = IndexOf(table, step, stage);
        return at >= 0 && at + 1 < table.Count ? table[at + 1] : null;
    }

    /// <summary>
    /// What a device keeps once the rollout has ended, given what it was last asked: a completed rollout leaves the
    /// committed devices committed and every other one dropping the candidate; an aborted one stops shadows and preloads
    /// and leaves devices that serve the candidate on it (roll back to undo them); a rolled-back one sends every device
    /// that held the candidate back to its baseline, and those that never did drop whatever they hold of it.
    /// </summary>
    public static string? FinalMode(RolloutState end, string? asked) => (end, asked) switch
    {
        (_, null) => null,
        (RolloutState.Completed, DesiredModel.Committed) => DesiredModel.Committed,
        (RolloutState.Completed, _) => DesiredModel.Cancelled,
        (RolloutState.Aborted, DesiredModel.Shadow or DesiredModel.Staged or DesiredModel.Baseline) => DesiredModel.Cancelled,
        (RolloutState.Aborted, _) => asked,
        (RolloutState.RolledBack, DesiredModel.Baseline or DesiredModel.Cancelled) => DesiredModel.Cancelled,
        (RolloutState.RolledBack, _) => DesiredModel.RolledBack,
        _ => asked, // running or paused: nothing ends
    };

    /// <summary>A canary stage's devices: the first ⌈n · percent / 100⌉ by rank, at least one.</summary>
    public static int StageSize(int devices, int percent) => Math.Max(1, (int)Math.Ceiling(devices * percent / 100.0));

    private static RolloutStepSpec Commit(int scope) => new()
    {
        Step = RolloutStep.Commit, Label = RolloutStep.Commit.Name(), ScopeSize = scope, InScope = DesiredModel.Committed, Evidence = s_committed,
    };

    private static RolloutStepSpec? Find(IReadOnlyList<RolloutStepSpec> table, RolloutStep step, int stage) =>
        IndexOf(table, step, stage) is var at and >= 0 ? table[at] : null;

    private static int IndexOf(IReadOnlyList<RolloutStepSpec> table, RolloutStep step, int stage)
    {
        for (int i = 0; i < table.Count; i++)
        {
            if (table[i].Step == step && (step != RolloutStep.Stage || table[i].Stage == stage))
            {
                return i;
            }
        }

        return -1;
    }
}
