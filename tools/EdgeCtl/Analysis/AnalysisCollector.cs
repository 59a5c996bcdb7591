using EdgeAgent.Core.Keywords;
using EdgeAgent.Core.Vad;
using EdgeAgent.Speech.Pipeline;

namespace EdgeCtl.Analysis;

/// <summary>Collects what the pipeline reports and, at the end, turns it into an <see cref="AnalysisReport"/>.</summary>
internal sealed class AnalysisCollector : ISpeechEvents
{
    private readonly List<SpeechSegment> _segments = [];
    private readonly List<KeywordDetection> _detections = [];

    /// <summary>Profiles every VAD frame when the report is to include drift against a reference.</summary>
    public EdgeAgent.Drift.Profiles.SignalProfiler? Profiler { get; init; }

    /// <summary>Called for each detection as it happens (live output).</summary>
    public Action<KeywordDetection>? DetectionSeen { get; init; }

    public IReadOnlyList<KeywordDetection> Detections => _detections;

    /// <summary>The pipeline's keyword heads, in score order (set once the pipeline exists).</summary>
    public IReadOnlyList<string> Keywords { get; set; } = [];

    public void OnSegment(SpeechSegment segment)
    {
        _segments.Add(segment);
        Profiler?.Predictions.AddSegment(segment.DurationSec);
    }

    public void OnVadFrame(ReadOnlySpan<float> frame, float probability, long startSample, double elapsedMs) => Profiler?.Push(frame, probability, elapsedMs);

    public void OnKeywordScores(ReadOnlySpan<float> scores, double elapsedMs) => Profiler?.Predictions.AddChunk(scores, Keywords, elapsedMs);

    public void OnDetection(KeywordDetection detection)
    {
        _detections.Add(detection);
        Profiler?.Predictions.AddDetection(detection.Keyword);
        DetectionSeen?.Invoke(detection);
    }

    public AnalysisReport BuildReport(string source, SpeechPipeline pipeline, double processSec, long overruns)
    {
        double duration = pipeline.Samples / 16_000.0;
        double speech = _segments.Sum(s => s.DurationSec);
        return new AnalysisReport(
            source,
            Math.Round(duration, 3),
            duration > 0 ? Math.Round(Math.Min(1, speech / duration), 4) : 0,
            _segments.Select(s => new SegmentReport(Math.Round(s.StartSec, 3), Math.Round(s.EndSec, 3))).ToList(),
            _detections.OrderBy(d => d.TimeSec)
                .Select(d => new DetectionReport(d.Keyword, Math.Round(d.TimeSec, 3), Math.Round(d.Score, 4), d.Model, d.Version, d.Label))
                .ToList(),
            pipeline.Models.All.Select(m => new ModelReport(m.Name, m.Version, m.Kind, m.Manifest.Sha256)).ToList(),
            new TimingReport(Math.Round(duration, 3), Math.Round(processSec, 4), duration > 0 ? Math.Round(processSec / duration, 5) : 0),
            new PipelineReport(
                $"{pipeline.Models.Vad.Name}@{pipeline.Models.Vad.Version}",
                pipeline.Gated,
                pipeline.VadFrames,
                pipeline.KeywordChunks,
                pipeline.GatedChunks,
                pipeline.BackfilledEmbeddings,
                overruns));
    }
}
