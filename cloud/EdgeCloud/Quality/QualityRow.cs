namespace EdgeCloud.Quality;

/// <summary>
/// Labelled quality of one keyword model version in one cohort (<c>GET /api/quality</c>). Proportions carry their
/// Wilson 95 % interval; with nothing labelled the estimate is null and the interval [0, 1]. Rates per hour are null
/// without audio hours.
/// </summary>
public sealed record QualityRow
{
    public required string Group { get; init; }

    public required string Model { get; init; }

    public required string Version { get; init; }

    /// <summary>The time range the row covers (clips heard, windows ended in [from, until)).</summary>
    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary>Devices with a clip or a window in the row.</summary>
    public int Devices { get; init; }

    /// <summary>Detection clips of the keyword that a labeler labelled.</summary>
    public long LabelledDetections { get; init; }

    /// <summary>Of those, the ones whose labels contain the keyword.</summary>
    public long CorrectDetections { get; init; }

    public double? Precision { get; init; }

    public double PrecisionLow { get; init; }

    public double PrecisionHigh { get; init; }

    /// <summary>Detections the cohort's devices counted in their window summaries, and the hours of audio those windows cover.</summary>
    public long Detections { get; init; }

    public double AudioHours { get; init; }

    /// <summary>Detections × (1 − precision) per hour of audio: the sampled precision scaled to every detection.</summary>
    public double? FalseAcceptsPerHour { get; init; }

    /// <summary>Labelled random-speech clips in which the keyword was said (the unbiased sample for recall).</summary>
    public long RecallSamples { get; init; }

    /// <summary>Of those, the ones the device detected (a detection clip of the keyword from that device overlapping it in time).</summary>
    public long RecallDetected { get; init; }

    public double? Recall { get; init; }

    public double RecallLow { get; init; }

    public double RecallHigh { get; init; }

    /// <summary>Labelled random-speech clips (VAD said speech) and the fraction a labeler heard speech in.</summary>
    public long VadLabelled { get; init; }

    public double? VadAgreement { get; init; }

    public double VadAgreementLow { get; init; }

    public double VadAgreementHigh { get; init; }

    /// <summary>Implicit signals from the window summaries, per hour of audio.</summary>
    public double? RepeatsPerHour { get; init; }

    public double? UnansweredPerHour { get; init; }
}
