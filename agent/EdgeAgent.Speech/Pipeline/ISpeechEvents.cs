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

    /// <summary>Every 32 ms VAD frame with its speech probability and the VAD's time on it (for statistics; must not allocate).</summary>
    void OnVadFrame(ReadOnlySpan<float> frame, float probability, long startSample, double elapsedMs)
    {
    }

    /// <summary>
    /// Every 80 ms chunk on which the keyword heads ran: each head's score, in <see cref="SpeechPipeline.Heads"/> order,
    /// and the chunk's time through mel, embedding and heads (for statistics; must not allocate).
    /// </summary>
    void OnKeywordScores(ReadOnlySpan<float> scores, double elapsedMs)
    {
    }
}
