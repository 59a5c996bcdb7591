using EdgeAgent.Contracts;
using EdgeAgent.Updates.Runtime;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates.Planning;

/// <summary>The planner's desired-state part: each model's step of its rollout, once; a name no rollout asks for drops its candidate.</summary>
public static partial class Planner
{
    private static void PlanDesired(ReconcileInputs inputs, List<ModelCommand> commands, HashSet<string> touched)
    {
        if (inputs.Desired is not { } desired)
        {
            return;
        }

        var steps = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DesiredModel want in desired.Models)
        {
            string step = $"{want.RolloutId}/{want.Mode}";
            if (touched.Contains(want.Name) || inputs.Slots.Applied.GetValueOrDefault(want.Name) == step)
            {
                continue; // applied already (the retained state comes again on every connection), or left to the next tick
            }

            touched.Add(want.Name);
            steps[want.Name] = step;
            ModelSlot? slot = inputs.Slots.For(want.Name);
            if (slot?.Pinned is { } pin)
            {
                commands.Add(Report(want, RolloutProgress.Rejected, $"{want.Name} is pinned to {pin} by a technician (edgectl models unpin {want.Name} to release it)"));
                continue;
            }

            commands.AddRange(Step(inputs, want, slot));
        }

        // A name that no rollout asks anything of any more holds nothing of a rollout.
        var named = desired.Models.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach ((string name, ModelSlot slot) in inputs.Slots.Models.Where(m => m.Value.Candidate is not null && !named.Contains(m.Key) && !touched.Contains(m.Key)))
        {
            touched.Add(name);
            commands.Add(new ModelCommand(CommandKind.Drop, name, "no rollout asks for it any more") { Version = slot.Candidate });
        }

        if (desired.Version > inputs.Slots.AppliedVersion || steps.Count > 0)
        {
            commands.Add(new ModelCommand(CommandKind.Acknowledge, ModelCommand.AllModels, $"desired state {desired.Version} reconciled") { DesiredVersion = desired.Version, Steps = steps });
        }
    }

    private static IEnumerable<ModelCommand> Step(ReconcileInputs inputs, DesiredModel want, ModelSlot? slot)
    {
        RuntimeView runtime = inputs.Runtime;
        string? serving = runtime.ServingVersion(want.Name);
        bool shadowing = runtime.Shadow is { RolloutId: not null } s && s.Name == want.Name && s.Version == want.Version;
        bool staged = runtime.Staged is { } st && st.Name == want.Name && st.Version == want.Version;
        bool holds = shadowing || staged || slot?.Candidate == want.Version;
        var plan = new List<ModelCommand>();
        switch (want.Mode)
        {
            case DesiredModel.Shadow when shadowing:
                plan.Add(Report(want, RolloutProgress.ShadowPhase, null) with { Health = runtime.Shadow!.Health });
                break;
            case DesiredModel.Shadow:
                plan.AddRange(Install(inputs, want));
                plan.Add(Command(CommandKind.StartShadow, want, "run beside the live model, never acted on"));
                break;
            case DesiredModel.Staged when staged:
                plan.AddRange(StopRolloutShadow(runtime, want));
                plan.Add(Report(want, RolloutProgress.Verified, "preloaded beside the live model"));
                break;
            case DesiredModel.Staged:
                plan.AddRange(Install(inputs, want));
                plan.AddRange(StopRolloutShadow(runtime, want)); // its shadow reports would say SHADOW after the preload
                plan.Add(Command(CommandKind.Preload, want, "preload beside the live model (blue-green)"));
                break;
            case DesiredModel.Active when slot?.Active == want.Version && serving == want.Version:
                plan.Add(Report(want, RolloutProgress.ActivePhase, null));
                break;
            case DesiredModel.Active:
                plan.AddRange(Install(inputs, want));
                if (runtime.Shadow is { } shadow && shadow.Name == want.Name)
                {
                    plan.Add(new ModelCommand(CommandKind.StopShadow, want.Name, "the candidate takes over") { Version = shadow.Version });
                }

                plan.Add(Command(CommandKind.Activate, want, $"serve it on probation for {want.ProbationSeconds} s") with { From = serving });
                break;
            case DesiredModel.Committed when slot?.Active == want.Version:
                plan.Add(Command(CommandKind.Commit, want, $"agent: committed by rollout {want.RolloutId}"));
                break;
            case DesiredModel.Committed when slot is { } s2 && s2.RolloutId == want.RolloutId && s2.Previous == want.Version:
                // It served here and this device went back from it (its probation, or a technician): it does not take it again.
                plan.Add(Report(want, RolloutProgress.Failed, $"{want.Name}@{want.Version} was rolled back on this device ({s2.LastChange ?? "no reason recorded"})"));
                break;
            case DesiredModel.Committed:
                // The rollout committed before this device switched (it was offline, or an operator promoted): catch up.
                plan.AddRange(Install(inputs, want));
                if (runtime.Shadow is { } shadowed && shadowed.Name == want.Name)
                {
                    plan.Add(new ModelCommand(CommandKind.StopShadow, want.Name, "the candidate takes over") { Version = shadowed.Version });
                }

                plan.Add(Command(CommandKind.Activate, want, "the rollout is committed: serve it") with { From = serving });
                plan.Add(Command(CommandKind.Commit, want, $"agent: committed by rollout {want.RolloutId}"));
                break;
            case DesiredModel.RolledBack or DesiredModel.Cancelled or DesiredModel.Baseline:
                if (holds)
                {
                    plan.Add(Command(CommandKind.Drop, want, $"the rollout is {want.Mode}"));
                }

                string? back = want.Fallback ?? slot?.Previous;
                if (want.Mode != DesiredModel.Cancelled && slot?.Active == want.Version && back is not null && back != want.Version)
                {
                    string why = want.Mode == DesiredModel.RolledBack ? $"cloud: {want.Reason ?? "rolled back"}" : "cloud: outside the rollout's stage, serve the baseline";
                    plan.Add(Command(CommandKind.RollBack, want, why) with { Version = back, From = want.Version });
                }

                break;
        }

        return plan;
    }

    /// <summary>A rollout's shadow of the name runs only while that rollout asks for a shadow.</summary>
    private static IEnumerable<ModelCommand> StopRolloutShadow(RuntimeView runtime, DesiredModel want) =>
        runtime.Shadow is { RolloutId: not null } shadow && shadow.Name == want.Name
            ? [new ModelCommand(CommandKind.StopShadow, want.Name, "the rollout moved past its shadow") { Version = shadow.Version }]
            : [];

    /// <summary>Download when the store lacks the version, then verify it.</summary>
    private static IEnumerable<ModelCommand> Install(ReconcileInputs inputs, DesiredModel want)
    {
        if (inputs.IsInstalled(want.Name, want.Version))
        {
            return [Command(CommandKind.Verify, want, "already installed")];
        }

        return [Command(CommandKind.Download, want, "not in the store"), Command(CommandKind.Verify, want, "signature, sha256 and tensor signature checked")];
    }

    private static ModelCommand Command(CommandKind kind, DesiredModel want, string why) =>
        new(kind, want.Name, why) { Version = want.Version, RolloutId = want.RolloutId, Want = want };

    private static ModelCommand Report(DesiredModel want, string phase, string? reason) =>
        Command(CommandKind.Report, want, reason ?? phase.ToLowerInvariant()) with { Phase = phase };
}
