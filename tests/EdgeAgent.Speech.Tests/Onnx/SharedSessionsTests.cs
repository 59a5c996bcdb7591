using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Vad;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Onnx;

[Trait("Category", "Integration")]
public sealed class SharedSessionsTests
{
    // Settings no other test uses, so that the sessions these tests see are theirs alone.
    private static OnnxOptions Unique(int threads) => new() { IntraOpThreads = threads, CpuMemArena = true };

    [Fact]
    public void Shared_SameModelAndSettings_OneSessionUntilTheLastLeaseIsReleased()
    {
        InstalledModel model = TestPaths.Models.Find("silero_vad", "v6");
        Microsoft.ML.OnnxRuntime.InferenceSession first;
        using (BoundSession a = BoundSession.Shared(model, Unique(3)))
        {
            using BoundSession b = BoundSession.Shared(model, Unique(3));
            using BoundSession other = BoundSession.Shared(model, Unique(4));
            Assert.Same(a.Session, b.Session);
            Assert.NotSame(a.Session, other.Session);
            first = a.Session;
        }

        using BoundSession again = BoundSession.Shared(model, Unique(3));
        Assert.NotSame(first, again.Session);
    }

    [Fact]
    public void Process_AfterAnotherUserOfTheSessionIsDisposed_StillGivesTheSameProbabilities()
    {
        InstalledModel model = TestPaths.Models.Find("silero_vad", "v6");
        float[] audio = PipelineAudioReader.LoadFile(SpeechCorpus.KeywordClips.First(c => !c.Noisy).Path);
        using var kept = new SileroVad(model, Unique(5));
        float[] before = Probabilities(kept, audio);

        var dropped = new SileroVad(model, Unique(5));
        Probabilities(dropped, audio);
        dropped.Dispose();
        kept.Reset();

        Assert.Equal(before, Probabilities(kept, audio));
        Assert.Contains(before, p => p > 0.5f);
    }

    private static float[] Probabilities(SileroVad vad, float[] audio)
    {
        var result = new List<float>();
        for (int i = 0; i + SileroVad.FrameSamples <= audio.Length; i += SileroVad.FrameSamples)
        {
            result.Add(vad.Process(audio.AsSpan(i, SileroVad.FrameSamples)));
        }

        return [.. result];
    }
}
