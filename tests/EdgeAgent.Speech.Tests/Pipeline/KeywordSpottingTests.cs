using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Pipeline;

[Trait("Category", "Integration")]
public sealed class KeywordSpottingTests(PipelineFixture fixture, ITestOutputHelper output) : IClassFixture<PipelineFixture>
{
    [Fact]
    public void Process_EachKeywordPhrase_DetectsItsKeywordAndNoOther()
    {
        var failures = new List<string>();
        int clips = 0;
        foreach (SpeechClip clip in SpeechCorpus.KeywordClips)
        {
            clips++;
            PipelineRun run = fixture.Run(clip.Path);
            string[] keywords = run.Detections.Select(d => d.Keyword).ToArray();
            if (keywords is not [var only] || only != clip.Keyword)
            {
                failures.Add($"{clip}: expected [{clip.Keyword}], got [{string.Join(", ", run.Detections.Select(d => $"{d.Keyword} {d.Score:F2}"))}]");
            }
        }

        output.WriteLine($"{clips - failures.Count}/{clips} keyword clips detected exactly their keyword");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void Process_TimerPhrase_ReportsTheTimerClass()
    {
        SpeechClip clip = SpeechCorpus.KeywordClips.First(c => c.Keyword == "timer" && !c.Noisy);
        PipelineRun run = fixture.Run(clip.Path);

        Assert.Equal("5_minute_timer", Assert.Single(run.Detections).Label);
    }

    [Fact]
    public void Process_NeutralSpeech_DetectsNothing()
    {
        var failures = SpeechCorpus.NeutralClips
            .Select(clip => (clip, run: fixture.Run(clip.Path)))
            .Where(x => x.run.Detections.Count > 0)
            .Select(x => $"{x.clip}: {string.Join(", ", x.run.Detections.Select(d => $"{d.Keyword} {d.Score:F2}"))}")
            .ToList();

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Theory]
    [InlineData("pink", 0.3)]
    [InlineData("pink", 0.03)]
    [InlineData("white", 0.1)]
    [InlineData("brown", 0.3)]
    public void Process_Noise_DetectsNothingAndFindsNoSpeech(string colour, double volume)
    {
        PipelineRun gated = fixture.Run(SpeechCorpus.Noise(colour, 20, volume));
        PipelineRun ungated = fixture.Run(SpeechCorpus.Noise(colour, 20, volume), gated: false);

        Assert.Empty(gated.Detections);
        Assert.Empty(ungated.Detections);
        Assert.Empty(gated.Segments);
    }

    [Fact]
    public void Process_DigitalSilence_DetectsNothing()
    {
        PipelineRun run = fixture.Run(SpeechCorpus.Silence(20), gated: false);

        Assert.Empty(run.Detections);
        Assert.Empty(run.Segments);
    }

    [Fact]
    public void Process_JfkRecording_FindsSpeechAndNoKeyword()
    {
        PipelineRun run = fixture.Run(SpeechCorpus.Jfk, gated: false);

        double speech = run.Segments.Sum(s => s.DurationSec);
        output.WriteLine($"JFK: {run.Segments.Count} segments, {speech:F1} s of speech");
        Assert.InRange(speech, 6.0, 11.0);
        Assert.Empty(run.Detections);
    }

    [Fact]
    public void Process_AlsaUtilsRecordings_FindSpeechAndNoKeyword()
    {
        foreach (string path in SpeechCorpus.AlsaSounds.Where(p => !p.EndsWith("Noise.wav", StringComparison.Ordinal)))
        {
            PipelineRun run = fixture.Run(path, gated: false);

            Assert.True(run.Segments.Count > 0, $"{path}: no speech found");
            Assert.True(run.Detections.Count == 0, $"{path}: detected {string.Join(", ", run.Detections.Select(d => d.Keyword))}");
        }
    }
}
