using EdgeAgent.Core.Keywords;
using EdgeAgent.Speech.Keywords;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Tests.Pipeline;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Streaming;

[Trait("Category", "Integration")]
public sealed class StreamingDetectionTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Process_EveryClip_StreamingDetectsAsTheWholeWindowModel(bool gated)
    {
        var failures = new List<string>();
        int detections = 0;
        foreach (SpeechClip clip in SpeechCorpus.All)
        {
            PipelineRun streamed = fixture.Run(clip.Path, gated: gated, streaming: true);
            PipelineRun whole = fixture.Run(clip.Path, gated: gated, streaming: false);
            detections += streamed.Detections.Count;
            if (Describe(streamed.Detections) != Describe(whole.Detections))
            {
                failures.Add($"{clip}: streaming [{Describe(streamed.Detections)}] whole window [{Describe(whole.Detections)}]");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(detections >= SpeechCorpus.KeywordClips.Count(), $"only {detections} detections over the corpus");
    }

    [Fact]
    public void Process_Gated_PreRollStepsThroughConsecutiveWindows()
    {
        SpeechModels models = SpeechModels.Select(TestPaths.Models, "v5", []);
        using var pipeline = new SpeechPipeline(models, new SpeechPipelineOptions { Gated = true });
        foreach (SpeechClip clip in SpeechCorpus.KeywordClips.Where(c => c.Voice == "en-us"))
        {
            PipelineRun.Over(pipeline, new PipelineRun(), clip.Path);
        }

        WakeWordFeatures features = pipeline.Features;
        // Each opening computes its pre-roll oldest window first: at most that one by the whole-window model (none
        // after a short pause), then 15 steps or more.
        Assert.True(features.FullWindows >= 1);
        Assert.True(features.StreamedWindows >= 15 * features.FullWindows, $"{features.StreamedWindows} steps, {features.FullWindows} whole windows");
        Assert.True(pipeline.GatedChunks > 0);
    }

    [Fact]
    public void Constructor_Default_StreamsAndOffTurnsItOff()
    {
        SpeechModels models = SpeechModels.Select(TestPaths.Models, "v5", ["hey_jarvis"]);
        using var on = new SpeechPipeline(models, new SpeechPipelineOptions());
        using var off = new SpeechPipeline(models, new SpeechPipelineOptions { StreamingEmbedding = false });

        Assert.True(on.StreamingEmbedding, on.StreamingFallback);
        Assert.Null(on.StreamingFallback);
        Assert.False(off.StreamingEmbedding);
        Assert.Null(off.StreamingFallback);
    }

    private static string Describe(IEnumerable<KeywordDetection> detections) =>
        string.Join(", ", detections.OrderBy(d => d.TimeSec).Select(d => $"{d.Keyword}@{d.TimeSec:F2}:{d.Score:F4}"));
}
