using EdgeAgent.Core.Keywords;
using EdgeAgent.Core.Vad;

namespace EdgeAgent.Speech.Pipeline;

/// <summary>What the pipeline reports, called on the pipeline's thread. Keep handlers short.</summary>
public interface ISpeechEvents
{
    void OnSegment(SpeechSegment segment)
    {
    }

    void OnDetection(KeywordDetection detection)
    {
    }

    /// <summary>Every 32 ms VAD frame with its speech probability (for statistics; must not allocate).</summary>
    void OnVadFrame(ReadOnlySpan<float> frame, float probability, long startSample)
    {
    }
}
