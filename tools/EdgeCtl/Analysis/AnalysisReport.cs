namespace EdgeCtl.Analysis;

/// <summary>What <c>edgectl analyze --json</c> prints: one object.</summary>
public sealed record AnalysisReport(
    string Source,
    double DurationSec,
    double SpeechRatio,
    IReadOnlyList<SegmentReport> SpeechSegments,
    IReadOnlyList<DetectionReport> Detections,
    IReadOnlyList<ModelReport> Models,
    TimingReport Timing,
    PipelineReport Pipeline,
    EdgeAgent.Drift.Detection.DriftReport? Drift = null);

public sealed record SegmentReport(double StartSec, double EndSec);

public sealed record DetectionReport(string Keyword, double TimeSec, double Score, string Model, string Version, string? Label);

public sealed record ModelReport(string Name, string Version, string Kind, string Sha256);

public sealed record TimingReport(double AudioSec, double ProcessSec, double Rtf);

public sealed record PipelineReport(string Vad, bool Gated, long VadFrames, long KeywordChunks, long GatedChunks, long BackfilledEmbeddings, long Overruns);
