using System.Diagnostics.Metrics;

namespace EdgeAgent.Speech.Pipeline;

/// <summary>Metrics of the speech pipeline (meter <c>EdgeAgent.Speech</c>).</summary>
public static class SpeechInstruments
{
    public const string MeterName = "EdgeAgent.Speech";

    private static readonly Meter s_meter = new(MeterName);

    public static readonly KeyValuePair<string, object?> StageVad = new("stage", "vad");
    public static readonly KeyValuePair<string, object?> StageMel = new("stage", "mel");
    public static readonly KeyValuePair<string, object?> StageEmbedding = new("stage", "embedding");
    public static readonly KeyValuePair<string, object?> StageBackfill = new("stage", "backfill");
    public static readonly KeyValuePair<string, object?> StageHeads = new("stage", "heads");

    public static Histogram<double> StageLatency { get; } = s_meter.CreateHistogram<double>(
        "edgeagent.speech.stage.duration", "ms", "Time one pipeline stage took for one frame or chunk.");

    public static Counter<long> VadFrames { get; } =
        s_meter.CreateCounter<long>("edgeagent.speech.vad.frames", "{frame}", "32 ms frames scored by the VAD.");

    public static Counter<long> KeywordChunks { get; } =
        s_meter.CreateCounter<long>("edgeagent.speech.keyword.chunks", "{chunk}", "80 ms chunks scored by the keyword heads.");

    public static Counter<long> GatedChunks { get; } =
        s_meter.CreateCounter<long>("edgeagent.speech.keyword.gated_chunks", "{chunk}", "80 ms chunks skipped by the VAD gate.");

    public static Counter<long> Detections { get; } =
        s_meter.CreateCounter<long>("edgeagent.speech.detections", "{detection}", "Keyword detections.");

    public static Counter<long> Segments { get; } =
        s_meter.CreateCounter<long>("edgeagent.speech.segments", "{segment}", "Speech segments.");
}
