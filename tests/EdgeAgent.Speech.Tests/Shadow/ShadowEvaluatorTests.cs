using EdgeAgent.Contracts;
using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Shadow;
using EdgeAgent.Speech.Vad;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Shadow;

/// <summary>The shadow evaluator with real Silero models on synthetic speech.</summary>
public sealed class ShadowEvaluatorTests
{
    private static readonly float[] s_audio = SpeechCorpus.KeywordClips.Where(c => !c.Noisy).Take(6)
        .SelectMany(c => PipelineAudioReader.LoadFile(c.Path)).ToArray();

    [Fact]
    public void TheLiveModelAgainstItself_AgreesOnEveryFrame()
    {
        CandidateHealth h = Run(TestPaths.Models.Find("silero_vad", "v5"), budget: 4);

        Assert.Equal(s_audio.Length / SileroVad.FrameSamples, h.Samples);
        Assert.Equal(1.0, h.Agreement);
        Assert.Equal(0, h.ScoreShift, 3);
        Assert.Equal((0, 0), (h.Errors, h.Skipped));
        Assert.True(h.P95Ms > 0);
    }

    [Fact]
    public void V6BesideV5_AgreesOnMostFrames_ButNotAll()
    {
        CandidateHealth h = Run(TestPaths.Models.Find("silero_vad", "v6"), budget: 4);

        Assert.InRange(h.Agreement!.Value, 0.85, 0.999);
        Assert.InRange(h.ScoreShift, 0.001, 0.2);
    }

    [Fact]
    public void OverItsCpuBudget_TheCandidateSkipsWork_AndNeverHoldsTheAudioThread()
    {
        // A budget of 0.01 % of real time: after the first frame the candidate is always over it.
        CandidateHealth h = Run(TestPaths.Models.Find("silero_vad", "v6"), budget: 0.0001);

        Assert.True(h.Skipped > h.Samples * 10, $"{h.Skipped} skipped, {h.Samples} evaluated");
    }

    [Fact]
    public void AMelModel_CannotRunInShadow()
    {
        var ex = Assert.Throws<ModelStoreException>(() => new ShadowEvaluator(TestPaths.Models.Find("melspectrogram"), new SpeechPipelineOptions(), 41, 0.5));

        Assert.Contains("cannot run in shadow", ex.Message);
    }

    /// <summary>Live Silero v5 on every frame, the candidate beside it; paced so that only the budget can skip work.</summary>
    private static CandidateHealth Run(InstalledModel candidate, double budget)
    {
        using var live = new SileroVad(TestPaths.Models.Find("silero_vad", "v5"), new OnnxOptions());
        using var shadow = new ShadowEvaluator(candidate, new SpeechPipelineOptions(), 41, budget);
        int frames = s_audio.Length / SileroVad.FrameSamples;
        for (int i = 0; i < frames; i++)
        {
            ReadOnlySpan<float> frame = s_audio.AsSpan(i * SileroVad.FrameSamples, SileroVad.FrameSamples);
            shadow.OnVadFrame(frame, live.Process(frame));
            SpinWait.SpinUntil(() => shadow.Snapshot() is var h && h.Samples + h.Skipped + h.Errors > i, TimeSpan.FromSeconds(5));
        }

        return shadow.Snapshot();
    }
}
