namespace EdgeAgent.Core.Vad;

/// <summary>A stretch of speech, in seconds from the start of the stream (padding included).</summary>
public readonly record struct SpeechSegment(double StartSec, double EndSec)
{
    public double DurationSec => EndSec - StartSec;
}
