using System.Threading.Channels;
using EdgeAgent.Clips;
using EdgeAgent.Contracts;
using EdgeAgent.Speech.Pipeline;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Clips;

/// <summary>
/// Where the audio thread meets clip capture. Every frame goes into the <see cref="AudioRing"/> (no allocation, no
/// lock); a detection, a near miss or a speech segment becomes a <see cref="ClipRequest"/> handed to the clip worker
/// without waiting (a full hand-over drops it, counted) — but only while the cloud's policy is on: with no policy, or
/// <c>enabled: false</c>, nothing is requested. The worker cuts, seals and queues, off the audio thread.
/// </summary>
internal sealed class ClipCapture
{
    private readonly ClipOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<ClipRequest> _requests;
    private readonly Channel<bool> _queued = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile ClipPolicy _policy = ClipPolicy.Off;

    public ClipCapture(IOptions<ClipOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        Ring = new AudioRing((int)ClipAudio.Samples(_options.RingSeconds));
        _requests = Channel.CreateBounded<ClipRequest>(new BoundedChannelOptions(_options.PendingLimit)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public AudioRing Ring { get; }

    public ClipCounters Counters { get; } = new();

    public ChannelReader<ClipRequest> Requests => _requests.Reader;

    /// <summary>The policy the cloud resolved for this device (<see cref="ClipPolicy.Off"/> until it answered).</summary>
    public ClipPolicy Policy
    {
        get => _policy;
        set => _policy = value;
    }

    /// <summary>Whether anything may be captured now.</summary>
    public bool Active => _policy is { Enabled: true, MaxClipsPerHour: > 0, PublicKey.Length: > 0 };

    /// <summary>The near-miss bound for the peak tracker: the policy's when it asks for near misses, else the signals'.</summary>
    public double NearMissLow => _policy is { Enabled: true, Triggers.NearMiss: { } n } ? Math.Min(n.Low, _options.NearMissLow) : _options.NearMissLow;

    /// <summary>Whether a near miss counts for the implicit signals (the policy's bound is for clips only).</summary>
    public bool IsSignalNearMiss(float score) => score >= _options.NearMissLow;

    /// <summary>Audio thread, every frame, before the pipeline sees it.</summary>
    public void OnAudio(ReadOnlySpan<float> samples) => Ring.Write(samples);

    /// <summary>Audio thread: a detection or near miss whose score peaked at <paramref name="peakSample"/>.</summary>
    public void OnKeyword(ClipCause cause, string keyword, float score, double threshold, long peakSample, SpeechModels? models, IReadOnlyList<string> alarms)
    {
        if (!Active)
        {
            return;
        }

        long start = peakSample - ClipAudio.Samples(_options.PreRollSeconds);
        Request(new ClipRequest(cause, keyword, score, threshold, start, peakSample + ClipAudio.Samples(_options.PostRollSeconds), StartAt(start), models, alarms));
    }

    /// <summary>Audio thread: a speech segment [<paramref name="startSample"/>, <paramref name="endSample"/>) ended.</summary>
    public void OnSegment(long startSample, long endSample, SpeechModels? models, IReadOnlyList<string> alarms)
    {
        if (!Active)
        {
            return;
        }

        long start = Math.Max(startSample, endSample - ClipAudio.Samples(_options.MaxSegmentSeconds));
        Request(new ClipRequest(ClipCause.SpeechSegment, null, 0, 0, start, endSample, StartAt(start), models, alarms));
    }

    /// <summary>Worker: a clip was committed to the queue (wakes the uploader).</summary>
    public void NotifyQueued() => _queued.Writer.TryWrite(true);

    /// <summary>Uploader: waits until a clip was committed since the last wait.</summary>
    public async Task WaitQueuedAsync(CancellationToken cancellationToken) => await _queued.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The wall-clock time of an absolute sample position (the newest sample is now).</summary>
    private DateTimeOffset StartAt(long sample) => _time.GetUtcNow() - TimeSpan.FromSeconds((Ring.Written - sample) / (double)ClipAudio.SampleRate);

    private void Request(ClipRequest request)
    {
        if (!_requests.Writer.TryWrite(request))
        {
            Counters.AddDropped();
        }
    }
}
