using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates.Planning;

/// <summary>
/// The reconciler's planner: a pure function of its inputs (<see cref="ReconcileInputs"/>) to an immutable
/// <see cref="Plan"/>. Level-based: the plan closes the gap between what is asked (the cloud's desired state, the
/// technicians' intents, the slots' own pointers and probation) and what is (the slots, the runtime), so planning the
/// same inputs again after the plan ran returns an empty plan. In order: technicians' intents, the start checks (before
/// the models load), the probation, the desired state, then the runtime follows the slots. A name already changed by
/// an earlier part of the plan is left to the next tick.
/// </summary>
public static partial class Planner
{
    public static Plan Plan(ReconcileInputs inputs)
    {
        var commands = new List<ModelCommand>();
        var touched = new HashSet<string>(StringComparer.Ordinal);
        SlotsDocument slots = PlanIntents(inputs, commands, touched);
        if (!inputs.Runtime.Started)
        {
            PlanStart(inputs, slots, commands, touched);
            return new Plan(commands);
        }

        PlanProbation(inputs, commands, touched);
        PlanDesired(inputs, commands, touched);
        PlanRuntime(inputs, commands, touched);
        return new Plan(commands);
    }

    /// <summary>Each pending intent, in order, against the slots as the intents before it left them.</summary>
    private static SlotsDocument PlanIntents(ReconcileInputs inputs, List<ModelCommand> commands, HashSet<string> touched)
    {
        SlotsDocument slots = inputs.Slots;
        foreach (TechnicianIntent intent in inputs.Intents)
        {
            ModelSlot? before = slots.For(intent.Name);
            ModelSlot after;
            try
            {
                after = SlotChanges.Apply(slots, intent, inputs.IsInstalled, inputs.Runtime.ServingVersion(intent.Name));
            }
            catch (ModelStoreException ex)
            {
                commands.Add(new ModelCommand(CommandKind.ApplyIntent, intent.Name, $"refused: {ex.Message}") { Intent = intent });
                continue;
            }

            touched.Add(intent.Name);
            slots = slots.With(intent.Name, after) with { LastIntentSeq = intent.Seq };
            commands.Add(intent.Kind == IntentKind.Rollback
                ? new ModelCommand(CommandKind.RollBack, intent.Name, after.LastChange!) { Version = after.Active, From = before!.Active, RolloutId = before.RolloutId, Intent = intent }
                : new ModelCommand(CommandKind.ApplyIntent, intent.Name, after.LastChange!) { Version = after.Serving, From = before?.Serving, Intent = intent });
        }

        return slots;
    }

    /// <summary>Before the models load: the crash-loop guard, and a serving version that cannot be used.</summary>
    private static void PlanStart(ReconcileInputs inputs, SlotsDocument slots, List<ModelCommand> commands, HashSet<string> touched)
    {
        foreach ((string name, ModelSlot slot) in slots.Models.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (touched.Contains(name))
            {
                continue;
            }

            string? reason = null;
            if (slot.ProbationUntil is not null && inputs.CountStart)
            {
                int starts = slot.ProbationStarts + 1;
                if (starts >= inputs.MaxProbationStarts)
                {
                    reason = $"the agent restarted {starts} times while {name}@{slot.Active} was on probation";
                }
                else
                {
                    commands.Add(new ModelCommand(CommandKind.CountProbationStart, name, $"start {starts} of {inputs.MaxProbationStarts} while {name}@{slot.Active} is on probation"));
                }
            }

            if (reason is null && slot.Pinned is null && inputs.Unusable.GetValueOrDefault($"{name}@{slot.Active}") is { } problem)
            {
                reason = $"{name}@{slot.Active} cannot be used: {problem}";
            }

            if (reason is not null && slot.Previous is { } previous && !inputs.Unusable.ContainsKey($"{name}@{previous}") && inputs.IsInstalled(name, previous))
            {
                commands.Add(new ModelCommand(CommandKind.RollBack, name, "agent: " + reason) { Version = previous, From = slot.Active, RolloutId = slot.RolloutId });
            }
        }
    }

    /// <summary>The verdicts of the watch: a failed probation goes back, a passed one ends; the numbers are reported.</summary>
    private static void PlanProbation(ReconcileInputs inputs, List<ModelCommand> commands, HashSet<string> touched)
    {
        if (!inputs.WatchDue)
        {
            return;
        }

        if (inputs.Runtime.Shadow is { RolloutId: { } rollout } shadow)
        {
            commands.Add(new ModelCommand(CommandKind.Report, shadow.Name, "shadow numbers") { Version = shadow.Version, RolloutId = rollout, Phase = Contracts.RolloutProgress.ShadowPhase, Health = shadow.Health });
        }

        foreach ((string name, ModelSlot slot) in inputs.Slots.Models.Where(m => m.Value.ProbationUntil is not null && !touched.Contains(m.Key)).OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (inputs.Verdicts.GetValueOrDefault(name) is not { } verdict)
            {
                continue;
            }

            if (verdict.Failure is { } failure && slot.Previous is { } previous)
            {
                touched.Add(name);
                commands.Add(new ModelCommand(CommandKind.RollBack, name, "agent: probation failed: " + failure) { Version = previous, From = slot.Active, RolloutId = slot.RolloutId });
                continue;
            }

            if (slot.RolloutId is { } rolloutId)
            {
                commands.Add(new ModelCommand(CommandKind.Report, name, "probation numbers") { Version = slot.Active, RolloutId = rolloutId, Phase = Contracts.RolloutProgress.ActivePhase, Health = verdict.Health });
            }

            if (inputs.Now >= slot.ProbationUntil)
            {
                touched.Add(name);
                commands.Add(new ModelCommand(CommandKind.EndProbation, name, "agent: probation passed") { Version = slot.Active });
            }
        }
    }
}
