using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Pipeline;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Benchmarks;

/// <summary>
/// <c>edgeagent-bench rss-vad [v5|v6] [setting]</c>: resident memory of one Silero VAD session in a fresh process, loaded
/// and after 1,000 frames, under one session setting (all | basic | no-pattern | arena | no-prepack), to see what a
/// VAD session costs and which setting changes it.
/// </summary>
internal static class VadRss
{
    public static void Run(ModelStore store, string version, string setting)
    {
        InstalledModel model = store.Find(SpeechModels.VadName, version);
        using (var probe = EdgeAgent.Speech.Onnx.OnnxSessions.Open(store.Find(SpeechModels.MelName), new EdgeAgent.Speech.Onnx.OnnxOptions()))
        {
            Console.WriteLine($"{version} {setting}: ORT loaded      {Rss.Now()}");
        }

        using var so = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = setting == "basic" ? GraphOptimizationLevel.ORT_ENABLE_BASIC : GraphOptimizationLevel.ORT_ENABLE_ALL,
            EnableCpuMemArena = setting == "arena",
            EnableMemoryPattern = setting != "no-pattern",
        };
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (setting == "no-prepack")
        {
            so.AddSessionConfigEntry("session.disable_prepacking", "1");
        }

        using var session = new InferenceSession(model.ModelPath, so);
        GC.Collect();
        EdgeAgent.Core.Runtime.NativeHeap.Trim();
        Console.WriteLine($"{version} {setting}: session loaded  {Rss.Now()}");
        bool oneState = session.InputMetadata.ContainsKey("state"); // v5 and v6; v4 has h and c
        int samples = oneState ? 64 + 512 : 512;
        var input = new float[samples];
        var state = new float[oneState ? 2 * 128 : 2 * 64];
        var rng = new Random(1);
        using var binding = session.CreateIoBinding();
        using var runOptions = new RunOptions();
        using OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, samples]);
        using OrtValue sr = OrtValue.CreateTensorValueFromMemory(new long[] { 16_000 }, []);
        using OrtValue stateValue = OrtValue.CreateTensorValueFromMemory(state, oneState ? [2, 1, 128] : [2, 1, 64]);
        var output = new float[1];
        var stateOut = new float[state.Length];
        using OrtValue outputValue = OrtValue.CreateTensorValueFromMemory(output, [1, 1]);
        using OrtValue stateOutValue = OrtValue.CreateTensorValueFromMemory(stateOut, oneState ? [2, 1, 128] : [2, 1, 64]);
        binding.BindInput("input", inputValue);
        binding.BindInput("sr", sr);
        binding.BindOutput("output", outputValue);
        if (oneState)
        {
            binding.BindInput("state", stateValue);
            binding.BindOutput("stateN", stateOutValue);
        }
        else
        {
            var c = new float[state.Length];
            var cOut = new float[state.Length];
            binding.BindInput("h", stateValue);
            binding.BindInput("c", OrtValue.CreateTensorValueFromMemory(c, [2, 1, 64]));
            binding.BindOutput("hn", stateOutValue);
            binding.BindOutput("cn", OrtValue.CreateTensorValueFromMemory(cOut, [2, 1, 64]));
        }

        for (int i = 0; i < 1000; i++)
        {
            for (int j = 0; j < input.Length; j++)
            {
                input[j] = (float)(rng.NextDouble() - 0.5) * 0.1f;
            }

            session.RunWithBinding(runOptions, binding);
        }

        GC.Collect();
        EdgeAgent.Core.Runtime.NativeHeap.Trim();
        Console.WriteLine($"{version} {setting}: 1000 frames     {Rss.Now()}");
    }
}
