using EdgeAgent.Core.Audio;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Speech.Pipeline;

namespace EdgeCtl.Analysis;

/// <summary>Runs the speech pipeline over files as one stream and profiles every VAD frame.</summary>
internal sealed class StreamProfiler : ISpeechEvents
{
    private readonly SignalProfiler _profiler = new();
    private string[] _keywords = [];

    private readonly List<SignalProfile> _segments = [];
    private long _segmentFrames = long.MaxValue;

    public void OnVadFrame(ReadOnlySpan<float> frame, float probability, long startSample, double elapsedMs)
    {
        _profiler.Push(frame, probability, elapsedMs);
        if (_profiler.Profile.Frames >= _segmentFrames)
        {
            _segments.Add(_profiler.TakeProfile());
        }
    }

    public void OnKeywordScores(ReadOnlySpan<float> scores, double elapsedMs) => _profiler.Predictions.AddChunk(scores, _keywords, elapsedMs);

    public void OnSegment(EdgeAgent.Core.Vad.SpeechSegment segment) => _profiler.Predictions.AddSegment(segment.DurationSec);

    public void OnDetection(EdgeAgent.Core.Keywords.KeywordDetection detection) => _profiler.Predictions.AddDetection(detection.Keyword);

    public static SignalProfile Profile(IReadOnlyList<string> paths, SpeechModels models, SpeechPipelineOptions options) =>
        Segments(paths, models, options, double.PositiveInfinity).Whole;

    /// <summary>The stream's profile and the profiles of its consecutive segments of <paramref name="segmentSeconds"/> each.</summary>
    public static (SignalProfile Whole, IReadOnlyList<SignalProfile> Segments) Segments(IReadOnlyList<string> paths, SpeechModels models, SpeechPipelineOptions options, double segmentSeconds)
    {
        var events = new StreamProfiler();
        if (double.IsFinite(segmentSeconds))
        {
            events._segmentFrames = Math.Max(1, (long)(segmentSeconds / SignalProfile.FrameSeconds));
        }

        using var pipeline = new SpeechPipeline(models, options, events);
        events._keywords = pipeline.Heads.Select(h => h.Keyword).ToArray();
        var block = new float[16_000];
        foreach (string path in paths)
        {
            using var source = new WavFileSource(path);
            source.Open();
            var reader = new PipelineAudioReader(source);
            reader.Reset();
            int n;
            while ((n = reader.Read(block)) > 0)
            {
                pipeline.Process(block.AsSpan(0, n));
            }
        }

        pipeline.Flush();
        if (events._segments.Count == 0)
        {
            return (events._profiler.Profile, []);
        }

        events._segments.Add(events._profiler.TakeProfile());
        var whole = new SignalProfile();
        events._segments.ForEach(whole.MergeFrom);
        return (whole, events._segments);
    }
}
