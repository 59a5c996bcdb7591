using EdgeAgent.Core.Audio;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Pipeline;

[Trait("Category", "Integration")]
public sealed class AllocationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Process_ThousandsOfFrames_AllocatesNothingInSteadyState(bool gated)
    {
        // Neutral speech with pauses, so the gate opens and closes (no detections: those allocate an event record).
        float[] audio = PipelineAudioReader.LoadFile(SpeechCorpus.NeutralClips.First(c => !c.Noisy).Path);
        var options = new SpeechPipelineOptions { Gated = gated };
        using var pipeline = new SpeechPipeline(SpeechModels.Select(TestPaths.Models, "v5", []), options);

        Feed(pipeline, audio); // warm-up: JIT, ORT's first runs
        long before = GC.GetAllocatedBytesForCurrentThread();
        long frames = 0;
        for (int pass = 0; pass < 20; pass++)
        {
            frames += Feed(pipeline, audio);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(frames > 2000, $"only {frames} frames");
        Assert.True(allocated < 1024, $"{allocated} bytes allocated over {frames} frames");
    }

    private static int Feed(SpeechPipeline pipeline, float[] audio)
    {
        int frames = 0;
        for (int i = 0; i + 512 <= audio.Length; i += 512)
        {
            pipeline.Process(audio.AsSpan(i, 512));
            frames++;
        }

        return frames;
    }
}
