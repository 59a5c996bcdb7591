using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Planning;
using EdgeAgent.Updates.Runtime;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates.Running;

/// <summary>The runner's commands that change what serves: intents, activation, the end of a probation, roll-back and following the slots.</summary>
public sealed partial class PlanRunner
{
    private CommandOutcome ApplyIntent(ModelCommand c)
    {
        TechnicianIntent intent = c.Intent!;
        string? problem = null;
        ModelSlot? applied = null;
        string? serving = runtime.View().ServingVersion(intent.Name);
        SlotsDocument doc = ModelSlots.Update(store.Root, d =>
        {
            if (intent.Seq <= d.LastIntentSeq)
            {
                return d; // applied already (a restart between the slot write and the file's removal)
            }

            try
            {
                applied = SlotChanges.Apply(d, intent, Installed, serving);
                return d.With(intent.Name, applied) with { LastIntentSeq = intent.Seq };
            }
            catch (ModelStoreException ex)
            {
                problem = ex.Message;
                return d with { LastIntentSeq = intent.Seq };
            }
        });
        IntentQueue.RemoveApplied(store.Root, doc);
        if (problem is not null)
        {
            ReconcilerLog.IntentRefused(logger, intent.ToString(), problem);
            sink.Fault("intent-refused", $"{intent}: {problem}");
            return new CommandOutcome(c, CommandStatus.Rejected, problem);
        }

        if (applied is not null)
        {
            ReconcilerLog.IntentApplied(logger, intent.ToString(), applied.LastChange ?? "");
        }

        return Done(c);
    }

    private async Task<CommandOutcome> ActivateAsync(ModelCommand c, CancellationToken cancellationToken)
    {
        DesiredModel want = c.Want!;
        InstalledModel model = store.Find(c.Name, c.Version);
        RuntimeView view = runtime.View();
        string? from = view.ServingVersion(c.Name);
        ModelSlot? prior = null;
        ModelSlots.Update(store.Root, d =>
        {
            prior = d.For(c.Name);
            return d.With(c.Name, new ModelSlot
            {
                Active = model.Version, Previous = from is not null && from != model.Version ? from : prior?.Previous, RolloutId = want.RolloutId,
                ProbationUntil = time.GetUtcNow().AddSeconds(want.ProbationSeconds), ProbationMaxP95Ms = want.MaxP95Ms,
                ProbationMinAgreement = want.MinAgreement, ProbationMinSamples = want.MinSamples,
                LastChange = $"agent: activated for rollout {want.RolloutId}",
            });
        });
        options.Failpoint(Failpoint.AfterSlotSwitch);
        try
        {
            await runtime.SwitchAsync(model, keepReplaced: true, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Undo: the slots point back at what still serves.
            ModelSlots.Update(store.Root, d => d.With(c.Name, prior));
            ReconcilerLog.Undone(logger, c.ToString(), ex.Message);
            return Fail(c, $"the candidate does not load: {ex.Message}");
        }

        Before[c.Name] = view.Live;
        options.Failpoint(Failpoint.AfterLiveSwitch);
        ReconcilerLog.Activated(logger, c.Name, from ?? "", model.Version, want.ProbationSeconds);
        Progress(c, RolloutProgress.ActivePhase, null);
        return Done(c);
    }

    /// <summary>Commit (the rollout's word, reported) or the end of a passed probation (the device's own): the previous model may go.</summary>
    private CommandOutcome EndProbation(ModelCommand c)
    {
        ModelSlots.Update(store.Root, d => d.For(c.Name) is { } s ? d.With(c.Name, s with { ProbationUntil = null, ProbationStarts = 0, LastChange = c.Why }) : d);
        runtime.ReleaseStandby(c.Name);
        Before.Remove(c.Name);
        if (c.Kind == CommandKind.Commit)
        {
            options.Failpoint(Failpoint.AfterCommit);
            Progress(c, RolloutProgress.CommittedPhase, null);
        }

        return Done(c);
    }

    /// <summary>Back to <see cref="ModelCommand.Version"/>: slots first, then the live pipeline (instant when the previous model is still loaded).</summary>
    private async Task<CommandOutcome> RollBackAsync(ModelCommand c, CancellationToken cancellationToken)
    {
        TechnicianIntent? intent = c.Intent;
        InstalledModel target = store.Find(c.Name, c.Version);
        ModelSlot? before = null;
        string? problem = null;
        SlotsDocument doc = ModelSlots.Update(store.Root, d =>
        {
            if (intent is not null && intent.Seq <= d.LastIntentSeq)
            {
                return d;
            }

            before = d.For(c.Name);
            if (before is null || before.Active != c.From || before.Pinned is not null)
            {
                problem = before is null ? $"{c.Name} has no slot" : before.Pinned is not null ? $"{c.Name} is pinned to {before.Pinned}" : $"{c.Name} serves {before.Active} now, not {c.From}";
                return intent is null ? d : d with { LastIntentSeq = intent.Seq };
            }

            SlotsDocument next = d.With(c.Name, SlotChanges.BackTo(before, target.Version, c.Why));
            return intent is null ? next : next with { LastIntentSeq = intent.Seq };
        });
        if (intent is not null)
        {
            IntentQueue.RemoveApplied(store.Root, doc);
        }

        if (before is null || problem is not null)
        {
            return new CommandOutcome(c, CommandStatus.Skipped, problem ?? "applied already");
        }

        if (runtime.View().Started)
        {
            try
            {
                await runtime.SwitchAsync(target, keepReplaced: false, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ModelSlots.Update(store.Root, d => d.With(c.Name, before));
                ReconcilerLog.Undone(logger, c.ToString(), ex.Message);
                return Fail(c with { RolloutId = c.RolloutId ?? before.RolloutId, Version = before.Active }, $"cannot go back to {c.Name}@{target.Version}: {ex.Message}");
            }

            runtime.ReleaseStandby(c.Name);
        }

        Before.Remove(c.Name);
        ReconcilerLog.RolledBack(logger, c.Name, before.Active, target.Version, c.Why);
        if ((c.RolloutId ?? before.RolloutId) is { } rolloutId)
        {
            Progress(rolloutId, c.Name, before.Active, RolloutProgress.RolledBackPhase, c.Why);
        }

        return Done(c);
    }

    private async Task<CommandOutcome> SwitchLiveAsync(ModelCommand c, CancellationToken cancellationToken)
    {
        await runtime.SwitchAsync(store.Find(c.Name, c.Version), keepReplaced: false, cancellationToken);
        runtime.ReleaseStandby(c.Name);
        ReconcilerLog.Followed(logger, c.Name, c.From ?? "", c.Version!, c.Why);
        return Done(c);
    }

    private bool Installed(string name, string version) => store.List().Any(m => m.Name == name && m.Version == version);
}
