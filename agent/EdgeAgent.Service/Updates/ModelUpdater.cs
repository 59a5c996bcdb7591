using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Service.Listening;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Shadow;
using EdgeAgent.Updates;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Updates;

/// <summary>
/// Reconciles what the cloud wants (<c>state/desired</c>) with what the device runs (the model slots), one step at a
/// time — download (resumed) → verify (signature, sha256, ONNX Runtime, signatures) → shadow or stage → activate on
/// probation → commit, or roll back — and reports every step on <c>state/progress</c>. It also watches the slots for a
/// technician's change (<c>edgectl models rollback|pin</c>) and the probation of a fresh model, going back to the
/// previous one by itself, offline too, when the new one fails. Pointers change before the live switch, so a kill at
/// any moment restarts on a consistent pair of model and slots.
/// </summary>
internal sealed partial class ModelUpdater(
    IOptions<AgentOptions> agent,
    IOptions<UpdaterOptions> updaterOptions,
    IOptions<SpeechPipelineOptions> pipelineOptions,
    ModelFetcherFactory fetchers,
    FleetLink fleet,
    LiveSpeech live,
    TimeProvider time,
    ILogger<ModelUpdater> logger) : BackgroundService
{
    private const int MinProbationErrors = 3;
    private const double MinCompareSeconds = 20;
    private const double SpeechCollapse = 0.2;
    private const long MinCompareFrames = 300;
    private const long MinCompareDetections = 3;

    private readonly ModelStore _store = new(agent.Value.ModelsDir);
    private readonly UpdaterOptions _options = updaterOptions.Value;
    private ShadowEvaluator? _shadow;
    private string? _shadowRollout; // null while the shadow is the previous model beside a fresh one on probation
    private Standby? _staged;
    private Standby? _previous;
    private LiveHealthSnapshot? _before;
    private DesiredState? _retry; // a desired state whose application failed midway, tried again next tick

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await live.Ready.WaitAsync(stoppingToken);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            DateTimeOffset nextReport = time.GetUtcNow();
            bool resumed = false;
            long failures = 0;
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (!resumed)
                    {
                        await ResumeCandidatesAsync(stoppingToken);
                        PublishReported();
                        resumed = true;
                    }

                    while (_retry is not null || fleet.Desired.TryRead(out _retry))
                    {
                        await ApplyAsync(_retry, stoppingToken);
                        _retry = null;
                    }

                    await FollowSlotsAsync(stoppingToken);
                    if (time.GetUtcNow() >= nextReport)
                    {
                        nextReport = time.GetUtcNow().AddSeconds(_options.ReportSeconds);
                        await WatchAsync(stoppingToken);
                    }

                    failures = 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The live model keeps serving; the next tick tries again (logged the first times, then sparsely).
                    if (++failures <= 3 || long.IsPow2(failures))
                    {
                        Log.TickFailed(logger, ex, failures);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is on disk is consistent at every step.
        }
        finally
        {
            StopShadow();
            _staged?.Pipeline.Dispose();
            _previous?.Pipeline.Dispose();
        }
    }

    private async Task ApplyAsync(DesiredState desired, CancellationToken cancellationToken)
    {
        SlotsDocument slots = ModelSlots.Read(_store.Root);
        if (desired.Version <= slots.AppliedVersion)
        {
            return; // applied already (the retained message comes again on every connection)
        }

        Log.Desired(logger, desired.Version, string.Join(", ", desired.Models.Select(m => $"{m.Name}@{m.Version} {m.Mode}")));
        foreach (DesiredModel model in desired.Models)
        {
            if (slots.Applied.GetValueOrDefault(model.Name) == Step(model))
            {
                continue; // the same step again, alongside another model's new one
            }

            try
            {
                await ApplyAsync(model, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One model's failure never hides the others.
                Log.StepFailed(logger, ex, model.Name, model.Version, model.Mode);
                Progress(model, RolloutProgress.Failed, ex.Message);
            }
        }

        ModelSlots.Update(_store.Root, d => d with
        {
            AppliedVersion = Math.Max(d.AppliedVersion, desired.Version),
            Applied = desired.Models.Aggregate(new Dictionary<string, string>(d.Applied, StringComparer.Ordinal), (applied, m) => { applied[m.Name] = Step(m); return applied; }),
        });
        PublishReported();
    }

    private static string Step(DesiredModel model) => $"{model.RolloutId}/{model.Mode}";

    private async Task ApplyAsync(DesiredModel want, CancellationToken cancellationToken)
    {
        ModelSlot? slot = ModelSlots.Read(_store.Root).For(want.Name);
        if (slot?.Pinned is { } pin)
        {
            Progress(want, RolloutProgress.Rejected, $"{want.Name} is pinned to {pin} by a technician (edgectl models unpin {want.Name} to release it)");
            return;
        }

        switch (want.Mode)
        {
            case DesiredModel.Shadow when _shadow?.Candidate is { } c && c.Name == want.Name && c.Version == want.Version:
                Progress(want, RolloutProgress.ShadowPhase, null, _shadow.Snapshot());
                break;
            case DesiredModel.Shadow:
                if (await InstallAsync(want, cancellationToken) is { } shadowed)
                {
                    StartShadow(shadowed, want.RolloutId);
                    SetCandidate(want, ModelSlot.ShadowMode);
                    Progress(want, RolloutProgress.ShadowPhase, null, _shadow?.Snapshot());
                }

                break;
            case DesiredModel.Staged when _staged is { } st && st.Name == want.Name && st.Version == want.Version:
                Progress(want, RolloutProgress.Verified, "preloaded beside the live model");
                break;
            case DesiredModel.Staged:
                if (await InstallAsync(want, cancellationToken) is { } staged)
                {
                    _staged?.Pipeline.Dispose();
                    _staged = new Standby(want.Name, staged.Version, await BuildAsync(staged, cancellationToken));
                    SetCandidate(want, ModelSlot.StagedMode);
                    Progress(want, RolloutProgress.Verified, "preloaded beside the live model");
                }

                break;
            case DesiredModel.Active:
                if (slot?.Active == want.Version && slot.RolloutId == want.RolloutId)
                {
                    Progress(want, RolloutProgress.ActivePhase, null);
                }
                else if (await InstallAsync(want, cancellationToken) is { } candidate)
                {
                    await ActivateAsync(want, candidate, cancellationToken);
                }

                break;
            case DesiredModel.Committed:
                if (slot?.Active == want.Version)
                {
                    EndProbation(want.Name, $"agent: committed by rollout {want.RolloutId}");
                    Failpoint.Hit(Failpoint.AfterCommit);
                    Progress(want, RolloutProgress.CommittedPhase, null);
                }
                else
                {
                    Progress(want, RolloutProgress.RolledBackPhase, slot?.LastChange ?? $"{want.Name}@{want.Version} is not active on this device");
                }

                break;
            case DesiredModel.RolledBack:
                DropCandidate(want.Name, want.Version);
                if (slot?.Active == want.Version)
                {
                    await RollBackAsync(want.Name, want.Fallback ?? slot.Previous, $"cloud: {want.Reason ?? "rolled back"}", cancellationToken);
                }

                Progress(want, RolloutProgress.RolledBackPhase, want.Reason);
                break;
            case DesiredModel.Cancelled:
                DropCandidate(want.Name, want.Version);
                break;
        }
    }

    /// <summary>The version from the store, else from the registry; null (with REJECTED or FAILED reported) when it cannot be had.</summary>
    private async Task<InstalledModel?> InstallAsync(DesiredModel want, CancellationToken cancellationToken)
    {
        // Point at what serves before a newer version lands in the store, so that it never becomes "the newest" by accident.
        string? serving = Serving(want.Name);
        ModelSlots.Update(_store.Root, d => d.For(want.Name) is null && serving is not null ? d.With(want.Name, new ModelSlot { Active = serving, LastChange = "agent: first update" }) : d);
        InstalledModel? installed = _store.List().FirstOrDefault(m => m.Name == want.Name && m.Version == want.Version);
        if (installed is not null)
        {
            ModelStore.Verify(installed);
            Progress(want, RolloutProgress.Verified, "already installed");
            return installed;
        }

        if (fetchers.Create() is not { } fetcher)
        {
            Progress(want, RolloutProgress.Failed, "this device has no registry configured (EdgeAgent:Updates:RegistryUrl and RegistryKeyFile)");
            return null;
        }

        for (int attempt = 1; ; attempt++)
        {
            Progress(want, RolloutProgress.Downloading, null, bytes: fetcher.BytesHeld(want.Name, want.Version));
            try
            {
                installed = await fetcher.FetchAsync(want.Name, want.Version, cancellationToken, bytes => Progress(want, RolloutProgress.Downloading, null, bytes: bytes));
                Failpoint.Hit(Failpoint.AfterDownload);
                Log.Installed(logger, installed.ToString(), installed.Manifest.Sha256);
                Progress(want, RolloutProgress.Verified, "signature, sha256 and tensor signature checked");
                return installed;
            }
            catch (ModelUpdateException ex)
            {
                Log.Refused(logger, want.Name, want.Version, ex.Message);
                Progress(want, RolloutProgress.Rejected, ex.Message);
                return null;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= _options.DownloadAttempts)
                {
                    Progress(want, RolloutProgress.Failed, $"download failed {attempt} times: {ex.Message}");
                    return null;
                }

                Log.DownloadRetry(logger, want.Name, want.Version, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 2 * attempt)), time, cancellationToken);
            }
        }
    }

    private async Task ActivateAsync(DesiredModel want, InstalledModel candidate, CancellationToken cancellationToken)
    {
        StopShadow(want.Name);
        SpeechPipeline next;
        if (_staged is { } staged && staged.Name == want.Name && staged.Version == want.Version)
        {
            next = staged.Pipeline;
            _staged = null;
        }
        else
        {
            try
            {
                next = await BuildAsync(candidate, cancellationToken);
            }
            catch (ModelStoreException ex)
            {
                Progress(want, RolloutProgress.Failed, $"the candidate does not load: {ex.Message}");
                return;
            }
        }

        _before = live.Health.Snapshot();
        string from = Serving(want.Name) ?? "";
        ModelSlots.Update(_store.Root, d => d.With(want.Name, new ModelSlot
        {
            Active = want.Version, Previous = from.Length > 0 ? from : null, RolloutId = want.RolloutId,
            ProbationUntil = time.GetUtcNow().AddSeconds(want.ProbationSeconds), ProbationMaxP95Ms = want.MaxP95Ms,
            ProbationMinAgreement = want.MinAgreement, ProbationMinSamples = want.MinSamples,
            LastChange = $"agent: activated for rollout {want.RolloutId}",
        }));
        Failpoint.Hit(Failpoint.AfterSlotSwitch);
        SpeechPipeline old = await live.SwitchAsync(next, cancellationToken);
        _previous?.Pipeline.Dispose();
        _previous = new Standby(want.Name, from, old);
        Failpoint.Hit(Failpoint.AfterLiveSwitch);
        Log.Activated(logger, want.Name, from, want.Version, want.ProbationSeconds);
        Progress(want, RolloutProgress.ActivePhase, null);
        PublishReported();
    }

    /// <summary>Back to <paramref name="version"/> (the previous model: instant when it is still loaded).</summary>
    private async Task RollBackAsync(string name, string? version, string reason, CancellationToken cancellationToken)
    {
        ModelSlot? slot = ModelSlots.Read(_store.Root).For(name);
        if (slot is null || version is null)
        {
            return;
        }

        StopComparing(name);
        SpeechPipeline back;
        if (_previous is { } previous && previous.Name == name && previous.Version == version)
        {
            back = previous.Pipeline;
            back.Reset();
            _previous = null;
        }
        else
        {
            back = await BuildAsync(_store.Find(name, version), cancellationToken);
        }

        ModelSlots.Update(_store.Root, d => d.With(name, SlotChanges.BackTo(d.For(name) ?? slot, version, reason)));
        (await live.SwitchAsync(back, cancellationToken)).Dispose();
        Log.RolledBack(logger, name, slot.Active, version, reason);
        if (slot.RolloutId is not null)
        {
            Progress(slot.RolloutId, name, slot.Active, RolloutProgress.RolledBackPhase, reason);
        }

        PublishReported();
    }

    private async Task ResumeCandidatesAsync(CancellationToken cancellationToken)
    {
        foreach ((string name, ModelSlot slot) in ModelSlots.Read(_store.Root).Models.Where(m => m.Value.Candidate is not null))
        {
            try
            {
                InstalledModel candidate = _store.Find(name, slot.Candidate);
                if (slot.CandidateMode == ModelSlot.ShadowMode)
                {
                    StartShadow(candidate, slot.RolloutId);
                }
                else
                {
                    _staged = new Standby(name, candidate.Version, await BuildAsync(candidate, cancellationToken));
                }
            }
            catch (ModelStoreException ex)
            {
                Log.ResumeFailed(logger, name, slot.Candidate!, ex.Message);
                DropCandidate(name, slot.Candidate!);
            }
        }
    }

    /// <summary>A loaded pipeline kept ready: the candidate preloaded (blue-green) or the previous model during probation.</summary>
    private sealed record Standby(string Name, string Version, SpeechPipeline Pipeline);
}
