using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Shadow;

namespace EdgeAgent.Service.Listening;

/// <summary>
/// Where the listening loop and the model updater meet. The updater builds a pipeline off the audio thread and hands
/// it over with <see cref="SwitchAsync"/>; the loop takes it between two frames (no frame is dropped or processed
/// twice) and hands back the one it replaced, which the updater keeps ready for an instant switch back. A shadow
/// candidate attached here sees the same audio as the live pipeline. <see cref="Health"/> counts since the last switch.
/// </summary>
internal sealed class LiveSpeech
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PendingSwitch? _pending;
    private volatile bool _hasPending;
    private volatile ShadowEvaluator? _shadow;
    private volatile SpeechModels? _models;

    /// <summary>The models serving now (null until the loop has started).</summary>
    public SpeechModels? Models => _models;

    /// <summary>Builds a pipeline like the live one (same options and event sink) for other models.</summary>
    public Func<SpeechModels, SpeechPipeline>? Factory { get; private set; }

    /// <summary>Completes when the loop is listening with its first models.</summary>
    public Task Ready => _ready.Task;

    public LiveHealth Health { get; } = new();

    public ShadowEvaluator? Shadow
    {
        get => _shadow;
        set => _shadow = value;
    }

    /// <summary>Hands <paramref name="next"/> to the loop; returns the pipeline it replaced once the loop switched.</summary>
    public async Task<SpeechPipeline> SwitchAsync(SpeechPipeline next, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<SpeechPipeline>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_pending is not null)
            {
                throw new InvalidOperationException("a switch is already pending");
            }

            _pending = new PendingSwitch(next, done);
            _hasPending = true;
        }

        try
        {
            return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (_pending?.Done == done)
                {
                    _pending = null;
                    _hasPending = false;
                }
            }

            throw;
        }
    }

    /// <summary>Loop: the first pipeline is listening.</summary>
    internal void Started(SpeechPipeline pipeline, Func<SpeechModels, SpeechPipeline> factory)
    {
        Factory = factory;
        _models = pipeline.Models;
        Health.Reset();
        _ready.TrySetResult();
    }

    /// <summary>Loop, between frames: swaps in a pending pipeline, if any.</summary>
    internal bool TrySwitch(ref SpeechPipeline current)
    {
        if (!_hasPending)
        {
            return false;
        }

        PendingSwitch pending;
        lock (_gate)
        {
            pending = _pending!;
            _pending = null;
            _hasPending = false;
        }

        SpeechPipeline old = current;
        current = pending.Next;
        _models = current.Models;
        Health.Reset();
        pending.Done.TrySetResult(old);
        return true;
    }

    private sealed record PendingSwitch(SpeechPipeline Next, TaskCompletionSource<SpeechPipeline> Done);
}
