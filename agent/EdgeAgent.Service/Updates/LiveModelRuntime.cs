using EdgeAgent.Core.Models;
using EdgeAgent.Core.Runtime;
using EdgeAgent.Service.Listening;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Shadow;
using EdgeAgent.Updates.Runtime;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Updates;

/// <summary>
/// The reconciler's model runtime on the device: ONNX Runtime pipelines built off the audio thread and handed to the
/// listening loop through <see cref="LiveSpeech"/>, one staged pipeline, the previous ones kept ready during probation,
/// and one <see cref="ShadowEvaluator"/> on the live audio.
/// </summary>
internal sealed class LiveModelRuntime(LiveSpeech live, IOptions<SpeechPipelineOptions> pipelineOptions, IOptions<UpdaterOptions> updaterOptions) : IModelRuntime, IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<Standby> _standby = [];
    private ShadowEvaluator? _shadow;
    private string? _shadowRollout;
    private Standby? _staged;

    public RuntimeView View()
    {
        if (live.Models is not { } models)
        {
            return RuntimeView.NotStarted;
        }

        lock (_gate)
        {
            var serving = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (InstalledModel m in models.All)
            {
                serving[m.Name] = m.Version;
            }

            ShadowView? shadow = _shadow is { } s ? new ShadowView(s.Candidate.Name, s.Candidate.Version, _shadowRollout, s.Keyword is not null, s.Snapshot()) : null;
            return new RuntimeView(
                true, serving, models.Vad.Name, shadow, _staged is { } st ? new LoadedModel(st.Name, st.Version) : null,
                _standby.Select(b => new LoadedModel(b.Name, b.Version)).ToList(), live.Health.Snapshot());
        }
    }

    public async Task PreloadAsync(InstalledModel model, CancellationToken cancellationToken)
    {
        SpeechPipeline pipeline = await BuildAsync(model, cancellationToken);
        lock (_gate)
        {
            _staged?.Pipeline.Dispose();
            _staged = new Standby(model.Name, model.Version, pipeline);
        }

        ProcessMemory.GiveBack();
    }

    public async Task SwitchAsync(InstalledModel model, bool keepReplaced, CancellationToken cancellationToken)
    {
        string? from = live.Models?.All.FirstOrDefault(m => m.Name == model.Name)?.Version;
        SpeechPipeline? next = null;
        lock (_gate)
        {
            if (_staged is { } staged && staged.Name == model.Name && staged.Version == model.Version)
            {
                next = staged.Pipeline;
                _staged = null;
            }
            else if (_standby.FirstOrDefault(b => b.Name == model.Name && b.Version == model.Version) is { } ready)
            {
                _standby.Remove(ready);
                next = ready.Pipeline;
                next.Reset();
            }
        }

        next ??= await BuildAsync(model, cancellationToken);
        SpeechPipeline old = await live.SwitchAsync(next, cancellationToken);
        if (!keepReplaced || from is null)
        {
            old.Dispose();
        }
        else
        {
            lock (_gate)
            {
                ReleaseLocked(model.Name);
                _standby.Add(new Standby(model.Name, from, old));
            }
        }

        ProcessMemory.GiveBack();
    }

    public void ReleaseStandby(string name)
    {
        bool released;
        lock (_gate)
        {
            released = ReleaseLocked(name);
        }

        if (released)
        {
            ProcessMemory.GiveBack();
        }
    }

    public void DropStaged()
    {
        Standby? dropped;
        lock (_gate)
        {
            dropped = _staged;
            _staged = null;
        }

        if (dropped is not null)
        {
            dropped.Pipeline.Dispose();
            ProcessMemory.GiveBack();
        }
    }

    public void StartShadow(InstalledModel model, string? rolloutId)
    {
        SpeechPipelineOptions options = pipelineOptions.Value;
        var shadow = new ShadowEvaluator(model, options, Math.Max(options.PrerollChunks, 41), updaterOptions.Value.ShadowCpuBudget);
        lock (_gate)
        {
            StopShadowLocked();
            _shadow = shadow;
            _shadowRollout = rolloutId;
            live.Shadow = shadow;
        }

        ProcessMemory.GiveBack();
    }

    public void StopShadow()
    {
        bool stopped;
        lock (_gate)
        {
            stopped = StopShadowLocked();
        }

        if (stopped)
        {
            ProcessMemory.GiveBack();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            StopShadowLocked();
            _staged?.Pipeline.Dispose();
            _staged = null;
            foreach (Standby standby in _standby)
            {
                standby.Pipeline.Dispose();
            }

            _standby.Clear();
        }
    }

    /// <summary>True if a shadow was running.</summary>
    private bool StopShadowLocked()
    {
        if (_shadow is not { } shadow)
        {
            return false;
        }

        live.Shadow = null;
        shadow.Dispose();
        _shadow = null;
        _shadowRollout = null;
        return true;
    }

    /// <summary>True if a standby pipeline of <paramref name="name"/> was released.</summary>
    private bool ReleaseLocked(string name)
    {
        List<Standby> released = _standby.Where(b => b.Name == name).ToList();
        foreach (Standby standby in released)
        {
            standby.Pipeline.Dispose();
            _standby.Remove(standby);
        }

        return released.Count > 0;
    }

    private async Task<SpeechPipeline> BuildAsync(InstalledModel model, CancellationToken cancellationToken)
    {
        SpeechModels current = live.Models ?? throw new InvalidOperationException("the live pipeline has not started");
        SpeechModels next = model.Kind switch
        {
            ModelKind.Vad => current with { Vad = model },
            ModelKind.Mel => current with { Mel = model },
            ModelKind.Embedding => current with { Embedding = model },
            _ => current with { Keywords = current.Keywords.Where(k => k.Name != model.Name).Append(model).OrderBy(k => k.Name, StringComparer.Ordinal).ToList() },
        };
        try
        {
            return await Task.Run(() => live.Factory!(next), cancellationToken);
        }
        catch (Exception ex) when (ex is not ModelStoreException and not OperationCanceledException)
        {
            throw new ModelStoreException($"{model} does not load: {ex.Message}", ex);
        }
    }

    /// <summary>A loaded pipeline kept ready: the candidate preloaded (blue-green) or the previous model during probation.</summary>
    private sealed record Standby(string Name, string Version, SpeechPipeline Pipeline);
}
