using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Runtime;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates.Planning;

/// <summary>The planner's runtime part: what is loaded follows the slots (serving version, candidate, the previous model compared on probation).</summary>
public static partial class Planner
{
    private static void PlanRuntime(ReconcileInputs inputs, List<ModelCommand> commands, HashSet<string> touched)
    {
        RuntimeView runtime = inputs.Runtime;
        bool shadowPlanned = commands.Any(c => c.Kind == CommandKind.StartShadow);
        foreach ((string name, ModelSlot slot) in inputs.Slots.Models.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (touched.Contains(name))
            {
                continue;
            }

            if (runtime.ServingVersion(name) is { } serving && serving != slot.Serving)
            {
                commands.Add(new ModelCommand(CommandKind.SwitchLive, name, slot.LastChange ?? "the slots changed") { Version = slot.Serving, From = serving });
                continue;
            }

            ShadowView? shadow = runtime.Shadow?.Name == name ? runtime.Shadow : null;
            bool candidateShadow = slot.Candidate is not null && slot.CandidateMode == ModelSlot.ShadowMode;
            if (shadow is { RolloutId: not null } && (!candidateShadow || shadow.Version != slot.Candidate))
            {
                commands.Add(new ModelCommand(CommandKind.StopShadow, name, "the slots hold no such candidate") { Version = shadow.Version });
                shadow = null;
            }

            if (shadow is { RolloutId: null } && (slot.ProbationUntil is null || shadow.Version != slot.Previous || candidateShadow))
            {
                commands.Add(new ModelCommand(CommandKind.StopShadow, name, "the probation it was compared for is over") { Version = shadow.Version });
                shadow = null;
            }

            if (runtime.Staged is { } staged && staged.Name == name && (slot.Candidate != staged.Version || slot.CandidateMode != ModelSlot.StagedMode))
            {
                commands.Add(new ModelCommand(CommandKind.Drop, name, "the slots hold no such candidate") { Version = staged.Version });
            }

            if (slot.Candidate is { } candidate && !inputs.IsInstalled(name, candidate))
            {
                commands.Add(new ModelCommand(CommandKind.Drop, name, $"the candidate {name}@{candidate} is not installed") { Version = candidate });
            }
            else if (candidateShadow && shadow is null && !shadowPlanned && (runtime.Shadow is null || runtime.Shadow.Name == name))
            {
                shadowPlanned = true;
                commands.Add(new ModelCommand(CommandKind.StartShadow, name, "resume the candidate's shadow") { Version = slot.Candidate, RolloutId = slot.RolloutId });
            }
            else if (slot.Candidate is not null && slot.CandidateMode == ModelSlot.StagedMode && !(runtime.Staged is { } held && held.Name == name && held.Version == slot.Candidate))
            {
                commands.Add(new ModelCommand(CommandKind.Preload, name, "resume the staged candidate") { Version = slot.Candidate, RolloutId = slot.RolloutId });
            }
            else if (slot.ProbationUntil is not null && slot.Previous is { } previous && shadow is null && !shadowPlanned && runtime.Shadow is null
                && inputs.KindOf(name, previous) is ModelKind.Vad or ModelKind.Keyword)
            {
                shadowPlanned = true;
                commands.Add(new ModelCommand(CommandKind.StartShadow, name, "the previous model, compared with the fresh one on probation") { Version = previous });
            }
        }

        foreach (ModelCommand stray in StrayCandidates(inputs, touched))
        {
            commands.Add(stray);
        }
    }

    /// <summary>A shadow or staged candidate of a name the slots have no slot for (they were edited or lost).</summary>
    private static IEnumerable<ModelCommand> StrayCandidates(ReconcileInputs inputs, HashSet<string> touched)
    {
        if (inputs.Runtime.Shadow is { } shadow && inputs.Slots.For(shadow.Name) is null && !touched.Contains(shadow.Name))
        {
            yield return new ModelCommand(CommandKind.StopShadow, shadow.Name, "the slots hold no such candidate") { Version = shadow.Version };
        }

        if (inputs.Runtime.Staged is { } staged && inputs.Slots.For(staged.Name) is null && !touched.Contains(staged.Name))
        {
            yield return new ModelCommand(CommandKind.Drop, staged.Name, "the slots hold no such candidate") { Version = staged.Version };
        }
    }
}
