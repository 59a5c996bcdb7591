using System.Diagnostics;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Vad;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Benchmarks;

/// <summary>
/// <c>edgeagent-bench vad-fold [rounds]</c>: each Silero version's file as it is against its graph folded for 16 kHz
/// (<see cref="SampleRateFold"/>), in one process: the resident memory each session added when built (after a
/// collection and <c>malloc_trim</c>; ONNX Runtime started first), then the bench's 60 s of audio through each, interleaved, the order reversed
/// every other round; prints the median time, the ratio and the largest probability difference.
/// </summary>
internal static class VadFoldBench
{
    public static void Run(ModelStore store, int rounds, string workDir)
    {
        float[] audio = EdgeAgent.Core.Audio.PipelineAudioReader.LoadFile(BenchAudio.Ensure(workDir));
        var options = new OnnxOptions();
        Console.WriteLine($"audio {audio.Length / 16_000.0:F0} s, {rounds} rounds, one ORT thread");
        using (OnnxSessions.Open(store.Find(SpeechModels.MelName), options))
        {
            // ONNX Runtime's own start-up is not the first VAD session's
        }

        foreach (string version in new[] { "v5", "v6", "v4" })
        {
            InstalledModel model = store.Find(SpeechModels.VadName, version);

            Settle();
            double before = Rss.Now().AnonMiB;
            using var asIs = new Runner(OnnxSessions.Open(model, options));
            Settle();
            double afterFile = Rss.Now().AnonMiB;
            byte[] folded = SampleRateFold.Fold(File.ReadAllBytes(model.ModelPath), 16_000) ?? throw new InvalidOperationException($"{model}: nothing to fold");
            using var specialised = new Runner(OnnxSessions.Open(folded, $"{model} folded", options));
            folded = [];
            Settle();
            double afterFolded = Rss.Now().AnonMiB;

            var fileMs = new List<double>();
            var foldedMs = new List<double>();
            float maxDelta = 0;
            for (int round = 0; round < rounds; round++)
            {
                float[] a = [], b = [];
                if (round % 2 == 0)
                {
                    a = Time(asIs, audio, fileMs);
                    b = Time(specialised, audio, foldedMs);
                }
                else
                {
                    b = Time(specialised, audio, foldedMs);
                    a = Time(asIs, audio, fileMs);
                }

                for (int i = 0; i < a.Length; i++)
                {
                    maxDelta = Math.Max(maxDelta, Math.Abs(a[i] - b[i]));
                }
            }

            double f = Median(fileMs), s = Median(foldedMs);
            Console.WriteLine($"silero {version}: session anon +{afterFile - before:F1} MiB as is, +{afterFolded - afterFile:F1} MiB folded; "
                + $"60 s of audio {f:F1} ms as is, {s:F1} ms folded (folded / as is {s / f:F3}); max |Δp| {maxDelta:G3}");
        }
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        EdgeAgent.Core.Runtime.NativeHeap.Trim();
    }

    private static float[] Time(Runner runner, float[] audio, List<double> ms)
    {
        var p = new float[audio.Length / SileroVad.FrameSamples];
        runner.Reset();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = runner.Process(audio.AsSpan(i * SileroVad.FrameSamples, SileroVad.FrameSamples));
        }

        ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return p;
    }

    private static double Median(List<double> values)
    {
        List<double> sorted = [.. values.Order()];
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>One session bound once (as <see cref="SileroVad"/> binds it), with or without the <c>sr</c> input.</summary>
    private sealed class Runner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly OrtIoBinding _binding;
        private readonly RunOptions _runOptions = new();
        private readonly List<OrtValue> _values = [];
        private readonly bool _legacy;
        private readonly float[] _input;
        private readonly float[] _state;
        private readonly float[] _stateOut;
        private readonly float[] _cell = new float[128];
        private readonly float[] _cellOut = new float[128];
        private readonly float[] _output = new float[1];

        public Runner(InferenceSession session)
        {
            _session = session;
            _binding = session.CreateIoBinding();
            _legacy = session.InputMetadata.ContainsKey("h");
            _input = new float[_legacy ? SileroVad.FrameSamples : 64 + SileroVad.FrameSamples];
            _state = new float[_legacy ? 128 : 256];
            _stateOut = new float[_state.Length];
            long[] stateShape = _legacy ? [2, 1, 64] : [2, 1, 128];
            if (session.InputMetadata.ContainsKey("sr"))
            {
                _binding.BindInput("sr", Track(OrtValue.CreateTensorValueFromMemory(new long[] { 16_000 }, [])));
            }

            _binding.BindInput("input", Track(OrtValue.CreateTensorValueFromMemory(_input, [1, _input.Length])));
            _binding.BindOutput("output", Track(OrtValue.CreateTensorValueFromMemory(_output, [1, 1])));
            if (_legacy)
            {
                _binding.BindInput("h", Track(OrtValue.CreateTensorValueFromMemory(_state, stateShape)));
                _binding.BindInput("c", Track(OrtValue.CreateTensorValueFromMemory(_cell, stateShape)));
                _binding.BindOutput("hn", Track(OrtValue.CreateTensorValueFromMemory(_stateOut, stateShape)));
                _binding.BindOutput("cn", Track(OrtValue.CreateTensorValueFromMemory(_cellOut, stateShape)));
            }
            else
            {
                _binding.BindInput("state", Track(OrtValue.CreateTensorValueFromMemory(_state, stateShape)));
                _binding.BindOutput("stateN", Track(OrtValue.CreateTensorValueFromMemory(_stateOut, stateShape)));
            }
        }

        public void Reset()
        {
            Array.Clear(_input);
            Array.Clear(_state);
            Array.Clear(_cell);
        }

        public float Process(ReadOnlySpan<float> frame)
        {
            frame.CopyTo(_input.AsSpan(_input.Length - SileroVad.FrameSamples));
            _session.RunWithBinding(_runOptions, _binding);
            _stateOut.CopyTo(_state, 0);
            _cellOut.CopyTo(_cell, 0);
            if (!_legacy)
            {
                _input.AsSpan(SileroVad.FrameSamples, 64).CopyTo(_input);
            }

            return _output[0];
        }

        public void Dispose()
        {
            _binding.Dispose();
            _runOptions.Dispose();
            foreach (OrtValue value in _values)
            {
                value.Dispose();
            }

            _session.Dispose();
        }

        private OrtValue Track(OrtValue value)
        {
            _values.Add(value);
            return value;
        }
    }
}
