using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Planning;
using EdgeAgent.Updates.Runtime;
using EdgeAgent.Updates.Slots;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Updates.Running;

/// <summary>
/// Runs a plan, command by command, and derives every <c>state/progress</c> message from what a command did. A failed
/// command is undone where it can be (slots switched but the live switch failed: the slots go back) and skips the rest
/// of its model's commands; the other models' commands run on. Slots change before the live pipeline, atomically, so a
/// kill at any point leaves pointers to a valid model. Nothing is reported ROLLED_BACK but by a RollBack command.
/// </summary>
public sealed partial class PlanRunner(ModelStore store, IModelSource source, IModelRuntime runtime, IReportSink sink, TimeProvider time, ReconcilerOptions options, ILogger logger)
{
    /// <summary>The live health just before each activation (the probation compares the speech share with it).</summary>
    public Dictionary<string, HealthSnapshot> Before { get; } = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<CommandOutcome>> RunAsync(Plan plan, CancellationToken cancellationToken)
    {
        var outcomes = new List<CommandOutcome>(plan.Commands.Count);
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        foreach (ModelCommand planned in plan.Commands)
        {
            ModelCommand command = planned;
            if (command.Name != ModelCommand.AllModels && failed.Contains(command.Name))
            {
                skipped.Add(command.Name);
                outcomes.Add(new CommandOutcome(command, CommandStatus.Skipped, "an earlier command for this model failed"));
                continue;
            }

            if (command.Kind == CommandKind.Acknowledge && skipped.Count > 0 && command.Steps is { } steps)
            {
                // A step whose commands did not run is not applied: the next tick plans it again.
                command = command with { Steps = steps.Where(s => !skipped.Contains(s.Key)).ToDictionary(StringComparer.Ordinal) };
            }

            CommandOutcome outcome;
            try
            {
                outcome = await RunAsync(command, cancellationToken);
            }
            catch (Exception ex) when (ex is not FailpointKill && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
            {
                // One model's failure never hides the others.
                ReconcilerLog.CommandFailed(logger, ex, command.ToString());
                Progress(command, RolloutProgress.Failed, $"{command.Kind} failed: {ex.Message}");
                outcome = new CommandOutcome(command, CommandStatus.Failed, ex.Message);
            }

            // A refused intent is consumed and changed nothing: the model's other commands still run.
            if (!outcome.Ok && !(command.Kind == CommandKind.ApplyIntent && outcome.Status == CommandStatus.Rejected))
            {
                failed.Add(command.Name);
            }

            outcomes.Add(outcome);
        }

        return outcomes;
    }

    private Task<CommandOutcome> RunAsync(ModelCommand c, CancellationToken cancellationToken) => c.Kind switch
    {
        CommandKind.ApplyIntent => Task.FromResult(ApplyIntent(c)),
        CommandKind.CountProbationStart => Task.FromResult(Slots(c, d => d.For(c.Name) is { } s ? d.With(c.Name, s with { ProbationStarts = s.ProbationStarts + 1 }) : d)),
        CommandKind.Download => DownloadAsync(c, cancellationToken),
        CommandKind.Verify => Task.FromResult(Verify(c)),
        CommandKind.StartShadow => Task.FromResult(StartShadow(c)),
        CommandKind.StopShadow => Task.FromResult(StopShadow(c)),
        CommandKind.Preload => PreloadAsync(c, cancellationToken),
        CommandKind.Activate => ActivateAsync(c, cancellationToken),
        CommandKind.Commit or CommandKind.EndProbation => Task.FromResult(EndProbation(c)),
        CommandKind.RollBack => RollBackAsync(c, cancellationToken),
        CommandKind.SwitchLive => SwitchLiveAsync(c, cancellationToken),
        CommandKind.Drop => Task.FromResult(Drop(c)),
        CommandKind.Report => Task.FromResult(Report(c)),
        CommandKind.Acknowledge => Task.FromResult(Slots(c, d => d with
        {
            AppliedVersion = Math.Max(d.AppliedVersion, c.DesiredVersion),
            Applied = (c.Steps ?? new Dictionary<string, string>()).Aggregate(new Dictionary<string, string>(d.Applied, StringComparer.Ordinal), (a, s) => { a[s.Key] = s.Value; return a; }),
        })),
        _ => throw new InvalidOperationException($"unknown command {c.Kind}"),
    };

    private CommandOutcome Done(ModelCommand c, string? detail = null) => new(c, CommandStatus.Done, detail);

    private CommandOutcome Slots(ModelCommand c, Func<SlotsDocument, SlotsDocument> change)
    {
        ModelSlots.Update(store.Root, change);
        return Done(c);
    }

    /// <summary>Points at what serves before a newer version lands in the store, so that it never becomes "the newest" by accident.</summary>
    private void EnsureSlot(string name)
    {
        string? serving = runtime.View().ServingVersion(name);
        ModelSlots.Update(store.Root, d => d.For(name) is null && serving is not null ? d.With(name, new ModelSlot { Active = serving, LastChange = "agent: first update" }) : d);
    }

    private async Task<CommandOutcome> DownloadAsync(ModelCommand c, CancellationToken cancellationToken)
    {
        EnsureSlot(c.Name);
        if (!source.CanDownload)
        {
            return Fail(c, "this device has no registry configured (EdgeAgent:Updates:RegistryUrl and RegistryKeyFile)");
        }

        for (int attempt = 1; ; attempt++)
        {
            Progress(c, RolloutProgress.Downloading, null, bytes: source.BytesHeld(c.Name, c.Version!));
            try
            {
                InstalledModel installed = await source.DownloadAsync(c.Name, c.Version!, bytes => Progress(c, RolloutProgress.Downloading, null, bytes: bytes), cancellationToken);
                options.Failpoint(Failpoint.AfterDownload);
                ReconcilerLog.Installed(logger, installed.ToString(), installed.Manifest.Sha256);
                return Done(c);
            }
            catch (ModelUpdateException ex)
            {
                ReconcilerLog.Refused(logger, c.Name, c.Version!, ex.Message);
                Progress(c, RolloutProgress.Rejected, ex.Message);
                return new CommandOutcome(c, CommandStatus.Rejected, ex.Message);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= options.DownloadAttempts)
                {
                    return Fail(c, $"download failed {attempt} times: {ex.Message}");
                }

                ReconcilerLog.DownloadRetry(logger, c.Name, c.Version!, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 2 * attempt)), time, cancellationToken);
            }
        }
    }

    private CommandOutcome Verify(ModelCommand c)
    {
        EnsureSlot(c.Name);
        try
        {
            ModelStore.Verify(store.Find(c.Name, c.Version));
        }
        catch (ModelStoreException ex)
        {
            return Fail(c, ex.Message);
        }

        Progress(c, RolloutProgress.Verified, c.Why);
        return Done(c);
    }

    private CommandOutcome StartShadow(ModelCommand c)
    {
        InstalledModel model = store.Find(c.Name, c.Version);
        if (c.RolloutId is not null)
        {
            EnsureSlot(c.Name);
            ModelSlots.Update(store.Root, d => d.For(c.Name) is { } s ? d.With(c.Name, s with { Candidate = c.Version, CandidateMode = ModelSlot.ShadowMode, RolloutId = c.RolloutId }) : d);
        }

        runtime.StartShadow(model, c.RolloutId);
        ReconcilerLog.Shadowing(logger, model.ToString(), c.RolloutId is null ? c.Why : $"shadow of rollout {c.RolloutId}, never acted on");
        Progress(c, RolloutProgress.ShadowPhase, null, runtime.View().Shadow?.Health);
        return Done(c);
    }

    private CommandOutcome StopShadow(ModelCommand c)
    {
        if (runtime.View().Shadow is { } shadow && shadow.Name == c.Name)
        {
            runtime.StopShadow();
        }

        ModelSlots.Update(store.Root, d => d.For(c.Name) is { CandidateMode: ModelSlot.ShadowMode } s && s.Candidate == c.Version ? d.With(c.Name, s with { Candidate = null, CandidateMode = null }) : d);
        return Done(c);
    }

    private async Task<CommandOutcome> PreloadAsync(ModelCommand c, CancellationToken cancellationToken)
    {
        try
        {
            await runtime.PreloadAsync(store.Find(c.Name, c.Version), cancellationToken);
        }
        catch (ModelStoreException ex)
        {
            Drop(c);
            return Fail(c, $"the candidate does not load: {ex.Message}");
        }

        EnsureSlot(c.Name);
        ModelSlots.Update(store.Root, d => d.For(c.Name) is { } s ? d.With(c.Name, s with { Candidate = c.Version, CandidateMode = ModelSlot.StagedMode, RolloutId = c.RolloutId ?? s.RolloutId }) : d);
        Progress(c, RolloutProgress.Verified, "preloaded beside the live model");
        return Done(c);
    }

    private CommandOutcome Drop(ModelCommand c)
    {
        RuntimeView view = runtime.View();
        if (view.Shadow is { } shadow && shadow.Name == c.Name && (c.Version is null || shadow.Version == c.Version))
        {
            runtime.StopShadow();
        }

        if (view.Staged is { } staged && staged.Name == c.Name && (c.Version is null || staged.Version == c.Version))
        {
            runtime.DropStaged();
        }

        ModelSlots.Update(store.Root, d => d.For(c.Name) is { Candidate: not null } s && (c.Version is null || s.Candidate == c.Version) ? d.With(c.Name, s with { Candidate = null, CandidateMode = null }) : d);
        return Done(c);
    }

    private CommandOutcome Report(ModelCommand c)
    {
        Progress(c, c.Phase!, c.Phase is RolloutProgress.ShadowPhase or RolloutProgress.ActivePhase ? null : c.Why, c.Health);
        return Done(c);
    }

    private CommandOutcome Fail(ModelCommand c, string reason)
    {
        Progress(c, RolloutProgress.Failed, reason);
        return new CommandOutcome(c, CommandStatus.Failed, reason);
    }

    private void Progress(ModelCommand c, string phase, string? reason, CandidateHealth? health = null, long? bytes = null)
    {
        if (c.RolloutId is not null && c.Version is not null)
        {
            Progress(c.RolloutId, c.Name, c.Version, phase, reason, health, bytes);
        }
    }

    private void Progress(string rolloutId, string name, string version, string phase, string? reason, CandidateHealth? health = null, long? bytes = null) =>
        sink.Progress(new RolloutProgress
        {
            RolloutId = rolloutId, Name = name, Version = version, Phase = phase, Reason = reason, Health = health, Bytes = bytes, At = time.GetUtcNow(),
        });
}
