using EdgeAgent.Drift.Detection;
using EdgeAgent.Speech.Pipeline;

namespace EdgeCtl.Analysis;

/// <summary>
/// Feeds the speech pipeline's VAD frames, keyword scores, segments and detections into a <see cref="DriftMonitor"/>,
/// as the agent does, with the stream's own clock (one frame every 32 ms), so a file is watched faster than real time.
/// </summary>
internal sealed class WatchEvents(DriftMonitor monitor, DateTimeOffset start) : ISpeechEvents
{
    private long _frames;

    public string[] Keywords { get; set; } = [];

    public List<DriftWindow> Windows { get; } = [];

    public void OnVadFrame(ReadOnlySpan<float> frame, float probability, long startSample, double elapsedMs)
    {
        DateTimeOffset now = start + TimeSpan.FromSeconds(++_frames * EdgeAgent.Drift.Profiles.SignalProfile.FrameSeconds);
        if (monitor.Push(frame, probability, now, elapsedMs) is { } window)
        {
            Windows.Add(window);
        }
    }

    public void OnKeywordScores(ReadOnlySpan<float> scores, double elapsedMs) => monitor.Predictions.AddChunk(scores, Keywords, elapsedMs);

    public void OnSegment(EdgeAgent.Core.Vad.SpeechSegment segment) => monitor.Predictions.AddSegment(segment.DurationSec);

    public void OnDetection(EdgeAgent.Core.Keywords.KeywordDetection detection) => monitor.Predictions.AddDetection(detection.Keyword);
}
