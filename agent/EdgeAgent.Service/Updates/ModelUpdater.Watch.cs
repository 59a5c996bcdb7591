using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Service.Listening;
using EdgeAgent.Speech.Pipeline;

namespace EdgeAgent.Service.Updates;

/// <summary>The updater's watch: shadow numbers, the probation of a fresh model, and a technician's changes to the slots.</summary>
internal sealed partial class ModelUpdater
{
    /// <summary>Every few seconds: shadow numbers, and the probation of a fresh model (back to the previous one when it fails).</summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        if (_shadow is { } shadow && _shadowRollout is not null)
        {
            Progress(_shadowRollout, shadow.Candidate.Name, shadow.Candidate.Version, RolloutProgress.ShadowPhase, null, shadow.Snapshot());
        }

        foreach ((string name, ModelSlot slot) in ModelSlots.Read(_store.Root).Models.Where(m => m.Value.ProbationUntil is not null))
        {
            LiveHealthSnapshot health = live.Health.Snapshot();
            CandidateHealth? besidePrevious = BesidePrevious(name, slot);
            string? failure = ProbationFailure(name, slot, health, besidePrevious);
            if (failure is not null)
            {
                await RollBackAsync(name, slot.Previous, "agent: probation failed: " + failure, cancellationToken);
                continue;
            }

            if (slot.RolloutId is not null)
            {
                Progress(slot.RolloutId, name, slot.Active, RolloutProgress.ActivePhase, null, new CandidateHealth(
                    health.Frames, besidePrevious?.Agreement, besidePrevious?.ScoreShift ?? 0, Math.Round(health.VadP95Ms, 3), health.Errors, besidePrevious?.Skipped ?? 0));
            }

            if (time.GetUtcNow() >= slot.ProbationUntil)
            {
                EndProbation(name, "agent: probation passed");
            }
        }
    }

    /// <summary>
    /// How the fresh model agrees with the previous one, run beside it on the same audio during probation (a shadow with
    /// the roles swapped; started here, so also after a restart), once there is enough evidence: the rollout's
    /// minSamples, at least 300 frames for a VAD or 3 detections for a keyword. Null before that, and while it cannot
    /// run: a rollout's own shadow has the evaluator, or the previous model cannot run in shadow (mel, embedding).
    /// </summary>
    private CandidateHealth? BesidePrevious(string name, ModelSlot slot)
    {
        if (_shadow is { } shadow)
        {
            long minSamples = Math.Max(slot.ProbationMinSamples, shadow.Keyword is null ? MinCompareFrames : MinCompareDetections);
            return _shadowRollout is null && shadow.Candidate.Name == name && shadow.Candidate.Version == slot.Previous && shadow.Snapshot() is { } beside && beside.Samples >= minSamples
                ? beside
                : null;
        }

        if (slot.Previous is { } previous && _store.List().FirstOrDefault(m => m.Name == name && m.Version == previous) is { Kind: ModelKind.Vad or ModelKind.Keyword } model)
        {
            StartShadow(model, rolloutId: null);
        }

        return null;
    }

    private void StopComparing(string name)
    {
        if (_shadowRollout is null && _shadow?.Candidate.Name == name)
        {
            StopShadow();
        }
    }

    private string? ProbationFailure(string name, ModelSlot slot, LiveHealthSnapshot health, CandidateHealth? besidePrevious)
    {
        if (health.Errors >= MinProbationErrors)
        {
            return $"the pipeline failed on {health.Errors} frames since {name}@{slot.Active} took over";
        }

        if (slot.ProbationMaxP95Ms > 0 && health.Frames >= 100 && health.VadP95Ms > slot.ProbationMaxP95Ms)
        {
            return $"VAD p95 latency {health.VadP95Ms:F2} ms is over the limit of {slot.ProbationMaxP95Ms:F2} ms";
        }

        bool isVad = live.Models?.Vad.Name == name;
        if (slot.ProbationMinAgreement > 0 && besidePrevious is { Agreement: { } agreement } && agreement < slot.ProbationMinAgreement)
        {
            return $"agreement with {name}@{slot.Previous} running beside it is {agreement:F2} < {slot.ProbationMinAgreement:F2} over {besidePrevious.Samples} {(isVad ? "frames" : "detections")}";
        }

        if (isVad && _before is { } before && before.AudioSeconds >= MinCompareSeconds && before.SpeechShare >= 0.05
            && health.AudioSeconds >= MinCompareSeconds && health.SpeechShare < before.SpeechShare * SpeechCollapse)
        {
            return $"the new VAD hears speech in {health.SpeechShare:P1} of frames, the previous one in {before.SpeechShare:P1}";
        }

        return null;
    }

    private void EndProbation(string name, string change)
    {
        StopComparing(name);
        ModelSlots.Update(_store.Root, d => d.For(name) is { } s ? d.With(name, s with { ProbationUntil = null, ProbationStarts = 0, LastChange = change }) : d);
        if (_previous?.Name == name)
        {
            _previous.Pipeline.Dispose();
            _previous = null;
        }
    }

    /// <summary>A technician changed the slots (edgectl): run what they point at, and say so.</summary>
    private async Task FollowSlotsAsync(CancellationToken cancellationToken)
    {
        SlotsDocument slots;
        try
        {
            slots = ModelSlots.Read(_store.Root);
        }
        catch (ModelStoreException)
        {
            return;
        }

        foreach ((string name, ModelSlot slot) in slots.Models)
        {
            string? running = Serving(name);
            if (running is null || running == slot.Serving)
            {
                continue;
            }

            DropCandidate(name, slot.Serving);
            StopComparing(name);
            SpeechPipeline next = _previous is { } p && p.Name == name && p.Version == slot.Serving ? p.Pipeline : await BuildAsync(_store.Find(name, slot.Serving), cancellationToken);
            if (next == _previous?.Pipeline)
            {
                next.Reset();
                _previous = null;
            }

            (await live.SwitchAsync(next, cancellationToken)).Dispose();
            Log.Followed(logger, name, running, slot.Serving, slot.LastChange ?? "slots changed");
            if (slot.RolloutId is not null)
            {
                Progress(slot.RolloutId, name, running, RolloutProgress.RolledBackPhase, slot.LastChange);
            }

            PublishReported();
        }
    }
}
