using System.Security.Cryptography;
using System.Threading.Channels;
using EdgeAgent.Clips;
using EdgeAgent.Contracts;
using EdgeAgent.Service.Fleet;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Clips;

/// <summary>
/// Turns the audio thread's <see cref="ClipRequest"/>s into queued clips, off the audio thread: decides per the policy
/// (<see cref="ClipDecider"/>), waits until the post-roll has been heard, copies the span out of the ring, skips empty
/// or digitally silent audio, takes its place in the hour's quota, builds the metadata (serving models with their
/// slots, active drift alarms), seals it for the cloud's key and commits it to the <see cref="ClipQueue"/>, then
/// applies the queue's byte and retention bounds. On stop, pending requests are cut with what has been heard.
/// </summary>
internal sealed class ClipWorker(
    ClipCapture capture,
    ClipQueue queue,
    ClipDecider decider,
    FleetLink fleet,
    IOptions<AgentOptions> agent,
    TimeProvider time,
    ILogger<ClipWorker> logger) : BackgroundService
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(100);
    private readonly List<(ClipRequest Request, string Trigger)> _pending = [];
    private long _failures;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ClipLog.Opened(logger, queue.Root, queue.Count, queue.LeftoversDeleted);
        ChannelReader<ClipRequest> requests = capture.Requests;
        Task<bool>? more = null;
        try
        {
            while (true)
            {
                Take(requests);
                CutReady(final: false);
                more ??= requests.WaitToReadAsync(stoppingToken).AsTask();
                if (_pending.Count == 0)
                {
                    await more;
                }
                else
                {
                    await Task.WhenAny(more, Task.Delay(s_poll, time, stoppingToken));
                    stoppingToken.ThrowIfCancellationRequested();
                }

                if (more.IsCompleted)
                {
                    more = null;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the listening loop has ended (it stops first); cut what is pending with what was heard.
        }

        Take(requests);
        CutReady(final: true);
    }

    /// <summary>The requests handed over so far, those the policy wants kept as pending.</summary>
    internal void Take(ChannelReader<ClipRequest> requests)
    {
        while (requests.TryRead(out ClipRequest? request))
        {
            if (decider.Trigger(capture.Policy, request.Cause, request.Score, request.Alarms.Count > 0) is { } trigger)
            {
                _pending.Add((request, trigger));
            }
        }
    }

    /// <summary>Cuts every pending clip whose audio has been heard (all of them when <paramref name="final"/>).</summary>
    internal void CutReady(bool final)
    {
        long written = capture.Ring.Written;
        for (int i = 0; i < _pending.Count; i++)
        {
            (ClipRequest request, string trigger) = _pending[i];
            if (final || written >= request.EndSample)
            {
                _pending.RemoveAt(i--);
                Cut(request, trigger);
            }
        }
    }

    private void Cut(ClipRequest request, string trigger)
    {
        AudioRing ring = capture.Ring;
        long wanted = Math.Max(0, request.StartSample); // a detection right after the start has less pre-roll
        long start = Math.Max(wanted, ring.Oldest);
        long end = Math.Min(request.EndSample, ring.Written);
        if (start > wanted + ClipAudio.Samples(0.25))
        {
            capture.Counters.AddDropped(); // the worker fell behind: most of the pre-roll is gone
            return;
        }

        short[] pcm = new short[Math.Max(0, end - start)];
        if (!ring.TryCopy(start, pcm))
        {
            capture.Counters.AddDropped();
            return;
        }

        if (ClipAudio.IsSilent(pcm))
        {
            capture.Counters.AddSilent();
            return;
        }

        ClipPolicy policy = capture.Policy;
        if (!capture.Active)
        {
            return; // switched off meanwhile
        }

        if (!decider.TryTakeQuota(policy, trigger))
        {
            if (trigger != ClipTrigger.DriftAlarm)
            {
                capture.Counters.AddDropped(); // drift-alarm clips are few by design, not dropped
            }

            return;
        }

        try
        {
            Queue(policy, request, trigger, request.StartAt + TimeSpan.FromSeconds((start - request.StartSample) / (double)ClipAudio.SampleRate), pcm);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or FormatException or ArgumentException)
        {
            long count = Interlocked.Increment(ref _failures);
            capture.Counters.AddDropped();
            if (count <= 3 || long.IsPow2(count))
            {
                ClipLog.CaptureFailed(logger, count, ex.Message);
            }
        }
    }

    private void Queue(ClipPolicy policy, ClipRequest request, string trigger, DateTimeOffset at, short[] pcm)
    {
        var metadata = new ClipMetadata
        {
            ClipId = Guid.NewGuid().ToString("n"),
            DeviceId = agent.Value.DeviceId,
            At = at,
            Trigger = trigger,
            Keyword = request.Keyword,
            Score = request.Keyword is null ? null : Math.Round(request.Score, 4),
            Threshold = request.Keyword is null ? null : Math.Round(request.Threshold, 4),
            Models = Models(request),
            Alarms = [.. request.Alarms],
            DurationSec = pcm.Length / (double)ClipAudio.SampleRate, // exact: the cloud checks it against the audio's length
            SampleRate = ClipAudio.SampleRate,
        };
        byte[] sealedClip = ClipEnvelope.Seal(metadata, ClipAudio.ToBytes(pcm), Convert.FromBase64String(policy.PublicKey!));
        QueuedClip queued = queue.Commit(metadata, sealedClip);
        capture.Counters.AddQueued();
        IReadOnlyList<QueuedClip> dropped = queue.Enforce(policy.MaxQueueBytes, TimeSpan.FromDays(policy.RetentionDays), time.GetUtcNow());
        if (dropped.Count > 0)
        {
            capture.Counters.AddDropped(dropped.Count);
            ClipLog.Dropped(logger, dropped.Count, policy.RetentionDays, policy.MaxQueueBytes);
        }

        ClipLog.Queued(logger, trigger, metadata.ClipId, request.Keyword ?? "speech", metadata.DurationSec, queued.Bytes, queue.Count);
        capture.NotifyQueued();
    }

    /// <summary>The models serving for the clip, each with its rollout slot as last reported.</summary>
    private List<ModelRef> Models(ClipRequest request)
    {
        IReadOnlyList<ModelRef> reported = fleet.Models;
        return request.Models is not { } models
            ? []
            : models.All.Select(m => new ModelRef
            {
                Name = m.Name,
                Version = m.Version,
                Slot = reported.FirstOrDefault(r => r.Name == m.Name && r.Version == m.Version)?.Slot,
            }).ToList();
    }
}
