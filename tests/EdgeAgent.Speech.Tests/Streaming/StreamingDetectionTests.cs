using EdgeAgent.Core.Keywords;
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
