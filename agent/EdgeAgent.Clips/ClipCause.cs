namespace EdgeAgent.Clips;

/// <summary>What the pipeline saw that may become a clip.</summary>
public enum ClipCause
{
    Detection,
    NearMiss,
    SpeechSegment,
}
