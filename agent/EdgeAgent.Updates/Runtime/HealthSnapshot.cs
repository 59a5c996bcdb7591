namespace EdgeAgent.Updates.Runtime;

/// <summary>The live pipeline's health since the last model switch: frames, the share the VAD called speech, frame errors and the VAD's p95 latency.</summary>
/// <param name="Frames">VAD frames (32 ms each) since the switch.</param>
public sealed record HealthSnapshot(long Frames, double SpeechShare, long Errors, double VadP95Ms)
{
    public static HealthSnapshot Empty { get; } = new(0, 0, 0, 0);

    public double AudioSeconds => Frames * 0.032;
}
