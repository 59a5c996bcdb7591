using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Vad;
using EdgeAgent.TestSupport;
using EdgeAgent.Speech.Onnx;
using Onnx;

namespace EdgeAgent.Speech.Tests.Vad;

[Trait("Category", "Integration")]
public sealed class SampleRateFoldTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("v4")]
    [InlineData("v5")]
    [InlineData("v6")]
    public void Fold_Silero_GivesTheSameProbabilitiesAndStates_WithoutTheSampleRateInputOrItsBranch(string version)
    {
        InstalledModel model = TestPaths.Models.Find("silero_vad", version);
        byte[] file = File.ReadAllBytes(model.ModelPath);

        byte[]? folded = SampleRateFold.Fold(file, 16_000);

        Assert.NotNull(folded);
        GraphProto graph = ModelProto.Parser.ParseFrom(folded).Graph;
        Assert.DoesNotContain(graph.Input, i => i.Name == "sr");
        Assert.True(folded.Length < file.Length * 0.75, $"folded {folded.Length} bytes of {file.Length}: the 8 kHz branch should be gone");

        // SileroVad folds when it can and falls back to the file: that it runs without sr shows the fold is what runs.
        var options = new OnnxOptions();
        using var original = new SileroVad(model, options, foldSampleRate: false);
        using var specialised = new SileroVad(model, options);
        Assert.True(original.HasSampleRateInput);
        Assert.False(specialised.HasSampleRateInput);
        int frames = 0;
        float maxDelta = 0;
        foreach (SpeechClip clip in SpeechCorpus.KeywordClips.Where(c => !c.Noisy).Take(3).Concat(SpeechCorpus.KeywordClips.Where(c => c.Noisy).Take(2)))
        {
            float[] audio = PipelineAudioReader.LoadFile(clip.Path);
            original.Reset();
            specialised.Reset();
            for (int i = 0; i + SileroVad.FrameSamples <= audio.Length; i += SileroVad.FrameSamples, frames++)
            {
                float a = original.Process(audio.AsSpan(i, SileroVad.FrameSamples));
                float b = specialised.Process(audio.AsSpan(i, SileroVad.FrameSamples));
                maxDelta = Math.Max(maxDelta, Math.Abs(a - b));
                float stateDelta = MaxDelta(original.State, specialised.State);
                Assert.True(original.State.SequenceEqual(specialised.State) || stateDelta < 1e-5f, $"{clip} frame {i / SileroVad.FrameSamples}: states differ by {stateDelta}");
            }
        }

        output.WriteLine($"{version}: {file.Length} → {folded.Length} bytes; {frames} frames, max |Δp| {maxDelta:G3}");
        Assert.True(maxDelta < 1e-5f, $"max |Δp| {maxDelta}");
    }

    [Fact]
    public void Fold_AnotherSampleRate_TakesTheOtherBranch()
    {
        byte[] file = File.ReadAllBytes(TestPaths.Models.Find("silero_vad", "v5").ModelPath);

        GraphProto at16k = ModelProto.Parser.ParseFrom(SampleRateFold.Fold(file, 16_000)).Graph;
        GraphProto at8k = ModelProto.Parser.ParseFrom(SampleRateFold.Fold(file, 8_000)).Graph;

        // The export's branch for 16 kHz reads 64 samples of context and a 256-wide STFT basis; 8 kHz half of each.
        Assert.NotEqual(Weights(at16k), Weights(at8k));
        Assert.True(Weights(at16k) > Weights(at8k), $"16 kHz {Weights(at16k)} weights, 8 kHz {Weights(at8k)}");
    }

    [Theory]
    [InlineData("melspectrogram", null)]
    [InlineData("embedding", null)]
    [InlineData("hey_jarvis", null)]
    public void Fold_AModelWithoutASampleRateInput_IsLeftAlone(string name, string? version)
    {
        byte[] file = File.ReadAllBytes(TestPaths.Models.Find(name, version).ModelPath);

        Assert.Null(SampleRateFold.Fold(file, 16_000));
    }

    [Fact]
    public void Fold_NotAnOnnxModel_IsLeftToOnnxRuntimeToReject()
    {
        Assert.Null(SampleRateFold.Fold("not a model"u8.ToArray(), 16_000));
    }

    private static long Weights(GraphProto graph) =>
        graph.Node.Where(n => n.OpType == "Constant").Sum(n => n.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t ? t.RawData.Length + t.FloatData.Count * 4L : 0)
        + graph.Initializer.Sum(t => t.RawData.Length + t.FloatData.Count * 4L);

    private static float MaxDelta(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
