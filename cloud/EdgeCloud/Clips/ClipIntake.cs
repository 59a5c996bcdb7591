using EdgeAgent.Contracts;
using EdgeCloud.Ingest;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Clips;

/// <summary>
/// Takes a device's sealed clip (<c>POST /api/device/clips</c>): the device's policy must be on (403), the envelope must
/// open with the clip key (400), its metadata name the uploading device and fit its audio (400); a clip id stored already
/// answers 200 (devices retry after crashes); past the device's hourly quota (policy plus slack, counted in the store,
/// so over every instance) 429; else it is stored and answers 201. Refusals are counted by reason and logged throttled.
/// </summary>
public sealed partial class ClipIntake(ICloudStore store, ClipKey key, ClipPolicies policies, IOptions<CloudOptions> options, TimeProvider time, ILogger<ClipIntake> logger)
{
    private readonly LogThrottle<(string, string)> _throttle = new();

    /// <summary>Uploads accepted (stored), duplicates and refusals by reason since this instance started.</summary>
    public IngestStats Stats { get; } = new();

    public int MaxUploadBytes => options.Value.Clips.MaxUploadBytes;

    public async Task<ClipUploadOutcome> UploadAsync(DeviceRecord device, ReadOnlyMemory<byte> sealedClip, CancellationToken cancellationToken = default)
    {
        ClipUploadOutcome outcome = await ClassifyAsync(device, sealedClip, cancellationToken);
        switch (outcome)
        {
            case { Status: StatusCodes.Status201Created }:
                Stats.Accept();
                break;
            case { Status: StatusCodes.Status200OK }:
                Stats.Duplicate();
                break;
            default:
                Stats.Reject(outcome.Reason!);
                if (_throttle.Count((device.DeviceId, outcome.Reason!), out long n))
                {
                    Log.Refused(logger, device.DeviceId, outcome.Status, outcome.Problem!, n);
                }

                break;
        }

        return outcome;
    }

    /// <summary>An upload refused before it was read (Content-Length above the limit), counted and logged like the others.</summary>
    public ClipUploadOutcome TooLarge(DeviceRecord device, long bytes)
    {
        var outcome = ClipUploadOutcome.Refused(StatusCodes.Status413PayloadTooLarge, ClipRejections.TooLarge, $"the clip is {bytes} bytes or more; at most {MaxUploadBytes}");
        Stats.Reject(outcome.Reason!);
        if (_throttle.Count((device.DeviceId, outcome.Reason!), out long n))
        {
            Log.Refused(logger, device.DeviceId, outcome.Status, outcome.Problem!, n);
        }

        return outcome;
    }

    private async Task<ClipUploadOutcome> ClassifyAsync(DeviceRecord device, ReadOnlyMemory<byte> sealedClip, CancellationToken cancellationToken)
    {
        if (sealedClip.Length > MaxUploadBytes)
        {
            return ClipUploadOutcome.Refused(StatusCodes.Status413PayloadTooLarge, ClipRejections.TooLarge, $"the clip is {sealedClip.Length} bytes; at most {MaxUploadBytes}");
        }

        ClipPolicy policy = await policies.ForDeviceAsync(device, cancellationToken);
        if (!policy.Enabled)
        {
            return ClipUploadOutcome.Refused(StatusCodes.Status403Forbidden, ClipRejections.PolicyOff, $"the clip policy is off for {device.DeviceId}");
        }

        ClipMetadata metadata;
        byte[] pcm;
        try
        {
            (metadata, pcm) = ClipEnvelope.Open(sealedClip.Span, key.Key);
        }
        catch (ClipFormatException ex)
        {
            return ClipUploadOutcome.Refused(StatusCodes.Status400BadRequest, ClipRejections.NotAnEnvelope, ex.Message);
        }

        if (metadata.DeviceId != device.DeviceId)
        {
            return ClipUploadOutcome.Refused(StatusCodes.Status400BadRequest, ClipRejections.WrongDevice, $"the clip's metadata names device '{metadata.DeviceId}', not the authenticated '{device.DeviceId}'");
        }

        DateTimeOffset now = time.GetUtcNow();
        if (PayloadChecks.Clip(metadata, pcm.Length, now) is { } problem)
        {
            return ClipUploadOutcome.Refused(StatusCodes.Status400BadRequest, ClipRejections.Invalid, problem);
        }

        string id = metadata.ClipId.ToLowerInvariant();
        if (await store.GetClipAsync(id, cancellationToken) is { } stored)
        {
            return stored.DeviceId == device.DeviceId
                ? ClipUploadOutcome.Duplicate(id)
                : ClipUploadOutcome.Refused(StatusCodes.Status400BadRequest, ClipRejections.Invalid, $"clip id {id} belongs to another device's clip");
        }

        int quota = policy.MaxClipsPerHour + options.Value.Clips.QuotaSlack;
        if (await store.CountClipsAsync(device.DeviceId, now.AddHours(-1), cancellationToken) >= quota)
        {
            return ClipUploadOutcome.Refused(StatusCodes.Status429TooManyRequests, ClipRejections.Quota, $"{device.DeviceId} sent {quota} clips in the last hour, its quota; retry later");
        }

        var clip = new ClipRecord
        {
            Id = id, DeviceId = device.DeviceId, At = metadata.At, ReceivedAt = now, Trigger = metadata.Trigger, Keyword = metadata.Keyword,
            Score = metadata.Score, Threshold = metadata.Threshold, Models = metadata.Models, Alarms = metadata.Alarms,
            DurationSec = Math.Round(pcm.Length / 2.0 / metadata.SampleRate, 4), SampleRate = metadata.SampleRate,
            ExpiresAt = (metadata.At < now ? metadata.At : now).AddDays(policy.RetentionDays),
        };
        return await store.AddClipAsync(clip, pcm, cancellationToken) ? ClipUploadOutcome.Stored(id) : ClipUploadOutcome.Duplicate(id); // another instance stored it meanwhile
    }

    private static partial class Log
    {
        [LoggerMessage(5601, LogLevel.Warning, "Refused a clip from {DeviceId} ({Status}): {Problem} ({Count} so far for this device and reason)")]
        public static partial void Refused(ILogger logger, string deviceId, int status, string problem, long count);
    }
}
