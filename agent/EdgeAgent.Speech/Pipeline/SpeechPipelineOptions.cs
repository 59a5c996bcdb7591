using System.ComponentModel.DataAnnotations;
using EdgeAgent.Core.Keywords;
using EdgeAgent.Core.Vad;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Streaming;

namespace EdgeAgent.Speech.Pipeline;

/// <summary>Settings of the speech pipeline (configuration section <c>EdgeAgent:Speech</c>).</summary>
public sealed class SpeechPipelineOptions
{
    public const string SectionName = "EdgeAgent:Speech";

    /// <summary>Silero VAD version in the store: <c>v5</c> (default), <c>v6</c> or <c>v4</c> (legacy).</summary>
    [Required]
    public string VadVersion { get; set; } = "v5";

    /// <summary>Keyword heads to run; empty means every installed keyword model.</summary>
    public List<string> Keywords { get; set; } = [];

    /// <summary>Run the keyword stage only around speech (with pre-roll and hang-over).</summary>
    public bool Gated { get; set; } = true;

    /// <summary>A VAD frame at or above this probability opens the keyword gate.</summary>
    [Range(0.01, 0.99)]
    public float GateThreshold { get; set; } = 0.3f;

    /// <summary>The keyword gate stays open this long after the last speech frame.</summary>
    [Range(0, 10_000)]
    public int HangoverMs { get; set; } = 800;

    /// <summary>
    /// Embeddings computed for the audio before the gate opened (80 ms each). 16 (1.28 s) covers the history
    /// of the wake-word heads, so their scores are the ungated ones.
    /// </summary>
    [Range(1, 64)]
    public int PrerollChunks { get; set; } = 16;

    /// <summary>
    /// At most this many embeddings per 80 ms chunk (the current one included) while the pre-roll is computed after
    /// the gate opens. The heads' scores of those chunks wait until the pre-roll is complete (with 16 and 6: two
    /// chunks, 160 ms) and are then computed in order over the same windows, so detections stay the ungated ones.
    /// </summary>
    [Range(2, 64)]
    public int PrerollBurst { get; set; } = 6;

    /// <summary>
    /// Compute each chunk's embedding by streaming evaluation: the embedding model cut into stages at load time, each
    /// computing only the new time rows of its layers from the previous window's (the same embeddings to 1e-4, checked
    /// on the start-up seed; a model that cannot be cut, or is not exact, falls back to the whole-window model).
    /// </summary>
    public bool StreamingEmbedding { get; set; } = true;

    /// <summary>Where streaming cuts the embedding (for benchmarks; not configuration).</summary>
    internal StreamingCuts StreamingCuts { get; set; } = StreamingCuts.Minimal;

    public VadSegmenterOptions Vad { get; set; } = new();

    public KeywordTriggerOptions Trigger { get; set; } = new();

    public OnnxOptions Onnx { get; set; } = new();
}
