using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Vad;
using EdgeAgent.TestSupport;
using Microsoft.ML.OnnxRuntime;
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

        using var original = new Runner(new InferenceSession(file), withSampleRate: true);
        using var specialised = new Runner(new InferenceSession(folded), withSampleRate: false);
        int frames = 0;
        float maxDelta = 0;
        foreach (SpeechClip clip in SpeechCorpus.KeywordClips.Where(c => !c.Noisy).Take(3).Concat(SpeechCorpus.KeywordClips.Where(c => c.Noisy).Take(2)))
        {
            float[] audio = PipelineAudioReader.LoadFile(clip.Path);
            original.Reset();
            specialised.Reset();
            for (int i = 0; i + SileroVad.FrameSamples <= audio.Length; i += SileroVad.FrameSamples, frames++)
            {
                float a = original.Run(audio.AsSpan(i, SileroVad.FrameSamples));
                float b = specialised.Run(audio.AsSpan(i, SileroVad.FrameSamples));
                maxDelta = Math.Max(maxDelta, Math.Abs(a - b));
                Assert.True(original.State.SequenceEqual(specialised.State) || MaxDelta(original.State, specialised.State) < 1e-5f, $"{clip} frame {i / SileroVad.FrameSamples}: states differ by {MaxDelta(original.State, specialised.State)}");
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

    [Fact]
    public void SileroVad_OverTheFoldedSession_MatchesTheFileRunAsIs()
    {
        InstalledModel model = TestPaths.Models.Find("silero_vad", "v6");
        using var vad = new SileroVad(model, new EdgeAgent.Speech.Onnx.OnnxOptions { IntraOpThreads = 1, CpuMemArena = true });
        Assert.False(vad.HasSampleRateInput);
        using var original = new Runner(new InferenceSession(model.ModelPath), withSampleRate: true);
        float[] audio = PipelineAudioReader.LoadFile(SpeechCorpus.KeywordClips.First(c => c.Noisy).Path);
        for (int i = 0; i + SileroVad.FrameSamples <= audio.Length; i += SileroVad.FrameSamples)
        {
            Assert.Equal(original.Run(audio.AsSpan(i, SileroVad.FrameSamples)), vad.Process(audio.AsSpan(i, SileroVad.FrameSamples)), 1e-5f);
        }
    }

    private static long Weights(GraphProto graph) =>
        graph.Node.Where(n => n.OpType == "Constant").Sum(n => n.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t ? t.RawData.Length + t.FloatData.Count * 4L : 0)
        + graph.Initializer.Sum(t => t.RawData.Length + t.FloatData.Count * 4L);

    private static float MaxDelta(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    /// <summary>One Silero session run the plain way (v4: h and c; v5/v6: state with 64 samples of context).</summary>
    private sealed class Runner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly bool _withSampleRate;
        private readonly long _sampleRate;
        private readonly bool _legacy;
        private float[] _input;
        private float[] _state;
        private float[] _cell;

        public Runner(InferenceSession session, bool withSampleRate, long sampleRate = 16_000)
        {
            _session = session;
            _withSampleRate = withSampleRate;
            _sampleRate = sampleRate;
            _legacy = session.InputMetadata.ContainsKey("h");
            _input = new float[_legacy ? SileroVad.FrameSamples : 64 + SileroVad.FrameSamples];
            _state = new float[_legacy ? 128 : 256];
            _cell = new float[128];
        }

        public float[] State => _state;

        public void Reset()
        {
            Array.Clear(_input);
            Array.Clear(_state);
            Array.Clear(_cell);
        }

        public float Run(ReadOnlySpan<float> frame)
        {
            frame.CopyTo(_input.AsSpan(_input.Length - SileroVad.FrameSamples));
            var inputs = new Dictionary<string, OrtValue>
            {
                ["input"] = OrtValue.CreateTensorValueFromMemory(_input.ToArray(), [1, _input.Length]),
            };
            if (_legacy)
            {
                inputs["h"] = OrtValue.CreateTensorValueFromMemory(_state.ToArray(), [2, 1, 64]);
                inputs["c"] = OrtValue.CreateTensorValueFromMemory(_cell.ToArray(), [2, 1, 64]);
            }
            else
            {
                inputs["state"] = OrtValue.CreateTensorValueFromMemory(_state.ToArray(), [2, 1, 128]);
            }

            if (_withSampleRate)
            {
                inputs["sr"] = OrtValue.CreateTensorValueFromMemory(new[] { _sampleRate }, []);
            }

            using var runOptions = new RunOptions();
            string[] outputs = _legacy ? ["output", "hn", "cn"] : ["output", "stateN"];
            using IDisposableReadOnlyCollection<OrtValue> results = _session.Run(runOptions, inputs.Keys.ToArray(), inputs.Values.ToArray(), outputs);
            foreach (OrtValue value in inputs.Values)
            {
                value.Dispose();
            }

            float p = results[0].GetTensorDataAsSpan<float>()[0];
            _state = results[1].GetTensorDataAsSpan<float>().ToArray();
            if (_legacy)
            {
                _cell = results[2].GetTensorDataAsSpan<float>().ToArray();
            }
            else
            {
                _input.AsSpan(SileroVad.FrameSamples, 64).CopyTo(_input);
            }

            return p;
        }

        public void Dispose() => _session.Dispose();
    }
}
