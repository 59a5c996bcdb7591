using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Pipeline;

[Trait("Category", "Integration")]
public sealed class VadTests(PipelineFixture fixture, ITestOutputHelper output) : IClassFixture<PipelineFixture>
{
    [Theory]
    [InlineData("v5")]
    [InlineData("v6")]
    public void Process_CleanSpeech_OnsetWithinATenthOfASecond(string vad)
    {
        var errors = new List<double>();
        var failures = new List<string>();
        foreach (SpeechClip clip in SpeechCorpus.All.Where(c => !c.Noisy))
        {
            PipelineRun run = fixture.Run(clip.Path, vad);
            if (run.Segments.Count == 0)
            {
                failures.Add($"{clip}: no speech found");
                continue;
            }

            double error = run.Segments[0].StartSec - clip.OnsetSec;
            errors.Add(Math.Abs(error));
            if (Math.Abs(error) > 0.1)
            {
                failures.Add($"{clip}: onset {run.Segments[0].StartSec:F3} s, synthesised at {clip.OnsetSec:F3} s");
            }
        }

        errors.Sort();
        output.WriteLine($"{vad}: {errors.Count} onsets, median error {errors[errors.Count / 2] * 1000:F0} ms, max {errors[^1] * 1000:F0} ms");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void Process_LegacyVad_FindsSpeechInEveryCleanClip()
    {
        foreach (SpeechClip clip in SpeechCorpus.All.Where(c => !c.Noisy).Take(20))
        {
            PipelineRun run = fixture.Run(clip.Path, "legacy");

            Assert.True(run.Segments.Count > 0, $"{clip}: no speech found by the legacy VAD");
            Assert.InRange(run.Segments[0].StartSec, clip.OnsetSec - 0.25, clip.OnsetSec + 0.25);
        }
    }

    [Fact]
    public void Process_NoisySpeech_SegmentCoversTheUtterance()
    {
        foreach (SpeechClip clip in SpeechCorpus.All.Where(c => c.Noisy).Take(24))
        {
            PipelineRun run = fixture.Run(clip.Path);

            Assert.True(run.Segments.Count > 0, $"{clip}: no speech found");
            Assert.InRange(run.Segments[0].StartSec, clip.OnsetSec - 0.15, clip.OnsetSec + 0.15);
        }
    }
}
