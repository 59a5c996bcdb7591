using System.Diagnostics;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Vad;

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
            using var asIs = new SileroVad(model, options, foldSampleRate: false);
            Settle();
            double afterFile = Rss.Now().AnonMiB;
            using var specialised = new SileroVad(model, options);
            if (specialised.HasSampleRateInput)
            {
                throw new InvalidOperationException($"{model}: nothing to fold");
            }

            Settle();
            double afterFolded = Rss.Now().AnonMiB;

            var fileMs = new List<double>();
            var foldedMs = new List<double>();
            float maxDelta = 0;
            for (int round = 0; round < rounds; round++)
            {
                float[] a, b;
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

    private static float[] Time(SileroVad vad, float[] audio, List<double> ms)
    {
        var p = new float[audio.Length / SileroVad.FrameSamples];
        vad.Reset();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = vad.Process(audio.AsSpan(i * SileroVad.FrameSamples, SileroVad.FrameSamples));
        }

        ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return p;
    }

    private static double Median(List<double> values)
    {
        List<double> sorted = [.. values.Order()];
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
