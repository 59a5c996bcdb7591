using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Shadow;

namespace EdgeAgent.Service.Updates;

/// <summary>The updater's hold on the live side: shadow, staged and previous pipelines, the slots, and its reports.</summary>
internal sealed partial class ModelUpdater
{
    private void StartShadow(InstalledModel candidate, string? rolloutId)
    {
        StopShadow();
        SpeechPipelineOptions options = pipelineOptions.Value;
        _shadow = new ShadowEvaluator(candidate, options, Math.Max(options.PrerollChunks, 41), _options.ShadowCpuBudget);
        _shadowRollout = rolloutId;
        live.Shadow = _shadow;
        Log.Shadowing(logger, candidate.ToString(), rolloutId is null ? "the previous model, compared with the fresh one on probation" : $"shadow of rollout {rolloutId}, never acted on");
    }

    private void StopShadow(string? name = null)
    {
        if (_shadow is { } shadow && (name is null || shadow.Candidate.Name == name))
        {
            live.Shadow = null;
            shadow.Dispose();
            _shadow = null;
            _shadowRollout = null;
        }
    }

    private void DropCandidate(string name, string version)
    {
        if (_shadow?.Candidate is { } c && c.Name == name && c.Version == version)
        {
            StopShadow();
        }

        if (_staged is { } s && s.Name == name && s.Version == version)
        {
            s.Pipeline.Dispose();
            _staged = null;
        }

        ModelSlots.Update(_store.Root, d => d.For(name) is { } slot && slot.Candidate == version ? d.With(name, slot with { Candidate = null, CandidateMode = null }) : d);
    }

    private void SetCandidate(DesiredModel want, string mode) =>
        ModelSlots.Update(_store.Root, d => d.With(want.Name, (d.For(want.Name) ?? new ModelSlot { Active = Serving(want.Name) ?? want.Version }) with
        {
            Candidate = want.Version, CandidateMode = mode, RolloutId = want.RolloutId,
        }));

    private Task<SpeechPipeline> BuildAsync(InstalledModel model, CancellationToken cancellationToken)
    {
        SpeechModels current = live.Models!;
        SpeechModels next = model.Kind switch
        {
            ModelKind.Vad => current with { Vad = model },
            ModelKind.Mel => current with { Mel = model },
            ModelKind.Embedding => current with { Embedding = model },
            _ => current with { Keywords = current.Keywords.Where(k => k.Name != model.Name).Append(model).OrderBy(k => k.Name, StringComparer.Ordinal).ToList() },
        };
        return Task.Run(() => live.Factory!(next), cancellationToken);
    }

    private string? Serving(string name) => live.Models?.All.FirstOrDefault(m => m.Name == name)?.Version;

    private void PublishReported()
    {
        SlotsDocument slots = ModelSlots.Read(_store.Root);
        var models = new List<ModelRef>();
        foreach (InstalledModel m in live.Models!.All)
        {
            models.Add(new ModelRef { Name = m.Name, Version = m.Version, Slot = "active" });
            if (slots.For(m.Name) is { } slot)
            {
                if (slot.Previous is { } previous)
                {
                    models.Add(new ModelRef { Name = m.Name, Version = previous, Slot = "previous" });
                }

                if (slot.Candidate is { } candidate)
                {
                    models.Add(new ModelRef { Name = m.Name, Version = candidate, Slot = "candidate" });
                }
            }
        }

        fleet.PublishReported(new ReportedState
        {
            AppliedVersion = slots.AppliedVersion, At = time.GetUtcNow(), Models = models,
            Pins = slots.Models.Where(s => s.Value.Pinned is not null).Select(s => $"{s.Key}@{s.Value.Pinned}").ToList(),
        });
    }

    private void Progress(DesiredModel want, string phase, string? reason, CandidateHealth? health = null, long? bytes = null) =>
        Progress(want.RolloutId, want.Name, want.Version, phase, reason, health, bytes);

    private void Progress(string rolloutId, string name, string version, string phase, string? reason, CandidateHealth? health = null, long? bytes = null) =>
        fleet.PublishProgress(new RolloutProgress
        {
            RolloutId = rolloutId, Name = name, Version = version, Phase = phase, Reason = reason, Health = health, Bytes = bytes, At = time.GetUtcNow(),
        });
}
