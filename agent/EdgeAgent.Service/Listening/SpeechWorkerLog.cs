using EdgeAgent.Core.Models;

namespace EdgeAgent.Service.Listening;

internal static partial class SpeechWorkerLog
{
    [LoggerMessage(2000, LogLevel.Information, "Agent {DeviceId} listening on {Source}: VAD {Vad}, keywords {Keywords}, keyword stage {Gating}, embedding {Embedding}")]
    public static partial void Started(ILogger logger, string deviceId, string source, string vad, string keywords, string gating, string embedding);

    [LoggerMessage(2010, LogLevel.Warning, "Streaming embedding is off for this pipeline: {Problem}; every window runs the whole embedding model (same results, more CPU)")]
    public static partial void StreamingFallback(ILogger logger, string problem);

    /// <summary>How the pipeline computes its embeddings, for the start line.</summary>
    public static string Embedding(EdgeAgent.Speech.Pipeline.SpeechPipeline pipeline) => pipeline.StreamingEmbedding ? "streamed" : "whole window";

    [LoggerMessage(2001, LogLevel.Information, "Detected {Keyword} at {TimeSec:F2} s, score {Score:F3} ({Model}@{Version}) {Label}")]
    public static partial void Detection(ILogger logger, string keyword, double timeSec, float score, string model, string version, string label);

    [LoggerMessage(2002, LogLevel.Debug, "Speech from {StartSec:F2} s to {EndSec:F2} s")]
    public static partial void Segment(ILogger logger, double startSec, double endSec);

    [LoggerMessage(2003, LogLevel.Information,
        "Health: {AudioSec:F0} s of audio, RTF {Rtf:F4}, speech {SpeechRatio:P1}, keyword chunks {KeywordChunks} run / {GatedChunks} gated, " +
        "detections {Detections}, overruns {Overruns}, source faults {Faults}, pipeline errors {Errors}, " +
        "clips {ClipsQueued} queued / {ClipsSent} sent / {ClipsRefused} refused / {ClipsDropped} dropped, memory {MemoryMiB:F0} MiB")]
    public static partial void Health(
        ILogger logger, double audioSec, double rtf, double speechRatio, long keywordChunks, long gatedChunks,
        long detections, long overruns, long faults, long errors, long clipsQueued, long clipsSent, long clipsRefused, long clipsDropped, double memoryMiB);

    [LoggerMessage(2004, LogLevel.Error, "Speech models unavailable: {Problem}; retrying in {RetrySeconds} s")]
    public static partial void ModelsUnavailable(ILogger logger, string problem, double retrySeconds);

    [LoggerMessage(2005, LogLevel.Error, "The speech pipeline failed on a frame (error {Count}); the frame was skipped")]
    public static partial void FrameFailed(ILogger logger, Exception exception, long count);

    [LoggerMessage(2009, LogLevel.Information, "Switched models between two frames: VAD {Vad}, keywords {Keywords}")]
    public static partial void Switched(ILogger logger, string vad, string keywords);

    [LoggerMessage(2006, LogLevel.Information, "Audio source ended after {AudioSec:F3} s; stopping")]
    public static partial void SourceEnded(ILogger logger, double audioSec);

    [LoggerMessage(2007, LogLevel.Information, "Stopped listening after {AudioSec:F1} s of audio")]
    public static partial void Stopped(ILogger logger, double audioSec);

    public static string Describe(IEnumerable<InstalledModel> models) => string.Join(", ", models.Select(m => m.ToString()));
}
