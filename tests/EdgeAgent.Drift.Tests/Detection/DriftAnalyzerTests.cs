using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Drift.Tests.Profiles;

namespace EdgeAgent.Drift.Tests.Detection;

public sealed class DriftAnalyzerTests
{
    private static readonly DriftOptions s_options = new() { MinSpeechSeconds = 20, MinNonSpeechSeconds = 5, MinSeconds = 10 };

    [Fact]
    public void Compare_KeywordScoresShifted_RaisesAPredictionAlarmForThatKeywordOnly()
    {
        SignalProfile reference = SyntheticDevice.Hour(seed: 21, minutes: 2);
        SignalProfile current = SyntheticDevice.Hour(seed: 21, minutes: 2);
        var rng = new Random(5);
        for (int i = 0; i < 1000; i++)
        {
            // A broken head: "alexa" now scores around 0.4 on ordinary speech.
            current.Predictions.AddScore("alexa", 0.3f + 0.2f * (float)rng.NextDouble());
        }

        DriftReport report = new DriftAnalyzer(s_options).Compare(current, reference);

        DriftAlarm alarm = Assert.Single(report.Alarms);
        Assert.Equal(DriftFamily.Prediction, alarm.Family);
        Assert.Equal("keyword_score:alexa", alarm.Feature);
        Assert.Contains(report.Features, f => f.Feature == "keyword_score:hey_jarvis" && f.Verdict == DriftReport.Ok);
        Assert.Contains(report.Features, f => f.Feature == "segment_seconds" && f.Verdict == DriftReport.Ok);
    }

    [Fact]
    public void Compare_SameDevice_IsOkWithPredictionsCompared()
    {
        SignalProfile reference = SyntheticDevice.Hour(seed: 22, minutes: 2);
        SignalProfile current = SyntheticDevice.Hour(seed: 23, minutes: 2);

        DriftReport report = new DriftAnalyzer(s_options).Compare(current, reference);

        Assert.Empty(report.Alarms);
        Assert.Equal(DriftReport.Ok, report.Verdict);
        Assert.Equal(3, report.Features.Count(f => f.Feature.StartsWith("keyword_score:", StringComparison.Ordinal)));
    }

    [Fact]
    public void Learn_FromAWanderingDevice_RaisesOnlyThresholdsItsSpreadExceeds()
    {
        // Minutes whose speech level wanders by several dB around the baseline: the level threshold rises above its
        // 3 dB default; the digital-silence fraction, which never varies, keeps its default.
        List<SignalProfile> windows = Enumerable.Range(0, 8).Select(m => SyntheticDevice.Hour(seed: 30 + m, minutes: 1, gainDb: m % 2 == 0 ? -4 : 4)).ToList();
        var baseline = new SignalProfile();
        windows.ForEach(baseline.MergeFrom);

        DriftThresholds thresholds = DriftThresholds.Learn(windows, baseline, _ => 5, sigmas: 3);

        ProfileFeature level = FeatureCatalog.Features[FeatureCatalog.IndexOf("speech_level")];
        ProfileFeature silence = FeatureCatalog.Features[FeatureCatalog.IndexOf("digital_silence")];
        Assert.True(thresholds.MinEffect(level) > level.MinEffect, $"level threshold stayed at {thresholds.MinEffect(level)}");
        Assert.Equal(silence.MinEffect, thresholds.MinEffect(silence));
    }

    [Fact]
    public void Compare_WithAdaptedThreshold_ReportsItAndDoesNotAlarmBelowIt()
    {
        SignalProfile reference = SyntheticDevice.Hour(seed: 40, minutes: 2);
        SignalProfile current = SyntheticDevice.Hour(seed: 41, minutes: 2, gainDb: 5);
        var analyzer = new DriftAnalyzer(s_options);

        DriftAlarm level = Assert.Single(analyzer.Compare(current, reference).Alarms, a => a.Feature == "speech_level");
        DriftReport adapted = analyzer.Compare(current, reference, new DriftThresholds(new Dictionary<string, double> { ["speech_level"] = level.Score + 1 }));

        Assert.DoesNotContain(adapted.Alarms, a => a.Feature == "speech_level");
    }
}
