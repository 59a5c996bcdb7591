using EdgeAgent.Contracts;

namespace EdgeCloud.Storage;

/// <summary>
/// A stored clip's metadata (its 16-bit PCM is kept beside it, see <see cref="ICloudStore.ReadClipAudioAsync"/>). The id
/// is the device's clip id (a GUID, "n" format, lower case): an upload retried after a crash stores nothing twice.
/// </summary>
public sealed record ClipRecord
{
    public required string Id { get; init; }

    public required string DeviceId { get; init; }

    /// <summary>When the clip's first sample was heard (the device's clock).</summary>
    public DateTimeOffset At { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>One of <see cref="ClipTrigger"/>.</summary>
    public required string Trigger { get; init; }

    public string? Keyword { get; init; }

    public double? Score { get; init; }

    public double? Threshold { get; init; }

    public List<ModelRef> Models { get; init; } = [];

    public List<string> Alarms { get; init; } = [];

    public double DurationSec { get; init; }

    public int SampleRate { get; init; } = 16_000;

    /// <summary>The clip (audio and metadata) is deleted at this time: <see cref="At"/> plus the policy's retention when it arrived.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>What a labeler heard (null until labelled).</summary>
    public ClipLabels? Labels { get; init; }
}

/// <summary>A labeler's verdict on a clip: the keywords said in it, whether it holds speech at all, who and when.</summary>
public sealed record ClipLabels(List<string> Keywords, bool Speech, string By, DateTimeOffset At);

/// <summary>A filter over stored clips; newest first (by <see cref="ClipRecord.At"/>), at most <see cref="Limit"/>.</summary>
public sealed record ClipQuery
{
    public string? DeviceId { get; init; }

    public string? Trigger { get; init; }

    /// <summary>Only labelled (true) or only unlabelled (false) clips; both when null.</summary>
    public bool? Labelled { get; init; }

    /// <summary>Clips heard at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Clips heard before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>A named setting the cloud instances share (the clip policy, the clip key) and its revision (1 for the first value, then +1 per write).</summary>
public sealed record SettingRecord(string Value, long Revision);
