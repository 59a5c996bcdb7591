using System.Diagnostics;
using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Keywords;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Streaming;

namespace EdgeAgent.Benchmarks;

/// <summary>
/// <c>edgeagent-bench streaming [ROUNDS]</c>: the whole-window embedding against streaming evaluation (both cuts),
/// interleaved in one process on the same 60 s of audio (the order rotated every round), the median of the rounds:
/// the embedding time per 80 ms chunk alone, then the RTF of the ungated and gated pipelines. Also the largest
/// |streamed − whole-window| embedding value over the audio, and the load average before and after.
/// </summary>
internal static class StreamingBench
{
    private static readonly (string Name, StreamingCuts? Cuts)[] s_variants =
    [
        ("whole window", null),
        ("streaming, minimal cuts", StreamingCuts.Minimal),
        ("streaming, time-pool cuts", StreamingCuts.TimePools),
    ];

    public static void Run(ModelStore store, int rounds, string workDir)
    {
        float[] audio = PipelineAudioReader.LoadFile(BenchAudio.Ensure(workDir));
        double audioSec = audio.Length / 16_000.0;
        float[][] chunks = audio.Chunk(WakeWordFeatures.ChunkSamples)
            .Where(c => c.Length == WakeWordFeatures.ChunkSamples)
            .Select(c => c.Select(v => v * 32768f).ToArray())
            .ToArray();
        SpeechModels models = SpeechModels.Select(store, "v5", []);
        Console.WriteLine($"load average before: {LoadAverage()}");
        Console.WriteLine($"audio: {audioSec:F1} s ({chunks.Length} chunks); rounds: {rounds} (medians), order rotated every round");

        // Building a pipeline's front end: the surgery and the stage sessions (fresh, none shared yet), then the seed
        // (with streaming also computed by the whole-window model, as the check).
        var features = new WakeWordFeatures[s_variants.Length];
        for (int v = 0; v < s_variants.Length; v++)
        {
            long t = Stopwatch.GetTimestamp();
            features[v] = new WakeWordFeatures(models.Mel, models.Embedding, 16, new OnnxOptions(), s_variants[v].Cuts);
            double built = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            features[v].ComputeSeed(41);
            Console.WriteLine($"front end built, {s_variants[v].Name,-26} {built,6:F0} ms, seed {Stopwatch.GetElapsedTime(t).TotalMilliseconds,4:F0} ms (streaming: {features[v].Streaming}, seed max |Δ| {features[v].StreamingSeedDelta:G3})");
        }

        try
        {
            var perChunkUs = s_variants.Select(_ => new List<double>()).ToArray();
            var embeddings = s_variants.Select(_ => new float[chunks.Length * WakeWordFeatures.EmbeddingSize]).ToArray();
            for (int round = -1; round < rounds; round++) // round -1 warms up
            {
                for (int k = 0; k < s_variants.Length; k++)
                {
                    int v = (k + Math.Max(round, 0)) % s_variants.Length;
                    WakeWordFeatures f = features[v];
                    f.Reset();
                    long ticks = 0;
                    for (int c = 0; c < chunks.Length; c++)
                    {
                        f.PushChunk(chunks[c]);
                        long t = Stopwatch.GetTimestamp();
                        f.ComputeCurrent(embeddings[v].AsSpan(c * WakeWordFeatures.EmbeddingSize, WakeWordFeatures.EmbeddingSize));
                        ticks += Stopwatch.GetTimestamp() - t;
                    }

                    if (round >= 0)
                    {
                        perChunkUs[v].Add(Stopwatch.GetElapsedTime(0, ticks).TotalMicroseconds / chunks.Length);
                    }
                }
            }

            double whole = Median(perChunkUs[0]);
            for (int v = 0; v < s_variants.Length; v++)
            {
                string mode = features[v].Streaming ? "" : features[v].StreamingFallback is { } why ? $" (fell back: {why})" : "";
                Console.WriteLine($"embedding per chunk, {s_variants[v].Name,-26} {Median(perChunkUs[v]),8:F1} µs  ({whole / Median(perChunkUs[v]):F2}× the whole window's speed), max |Δ| vs whole window {MaxDelta(embeddings[0], embeddings[v]):G3}{mode}");
            }
        }
        finally
        {
            foreach (WakeWordFeatures f in features)
            {
                f.Dispose();
            }
        }

        foreach (bool gated in new[] { false, true })
        {
            var counters = s_variants.Select(_ => new DetectionCounter()).ToArray();
            var pipelines = s_variants.Select((v, i) => new SpeechPipeline(
                models,
                new SpeechPipelineOptions { Gated = gated, StreamingEmbedding = v.Cuts is not null, StreamingCuts = v.Cuts ?? StreamingCuts.Minimal },
                counters[i])).ToArray();
            try
            {
                var rtf = s_variants.Select(_ => new List<double>()).ToArray();
                var cpuRtf = s_variants.Select(_ => new List<double>()).ToArray(); // CPU seconds: less sensitive to a busy machine
                for (int round = -1; round < rounds; round++)
                {
                    for (int k = 0; k < s_variants.Length; k++)
                    {
                        int v = (k + Math.Max(round, 0)) % s_variants.Length;
                        counters[v].Detections = 0;
                        pipelines[v].Reset();
                        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
                        long start = Stopwatch.GetTimestamp();
                        for (int i = 0; i + 512 <= audio.Length; i += 512)
                        {
                            pipelines[v].Process(audio.AsSpan(i, 512));
                        }

                        pipelines[v].Flush();
                        if (round >= 0)
                        {
                            rtf[v].Add(Stopwatch.GetElapsedTime(start).TotalSeconds / audioSec);
                            cpuRtf[v].Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / audioSec);
                        }
                    }
                }

                double whole = Median(rtf[0]);
                for (int v = 0; v < s_variants.Length; v++)
                {
                    Console.WriteLine($"pipeline {(gated ? "gated  " : "ungated")}, {s_variants[v].Name,-26} RTF {Median(rtf[v]):F4}  ({whole / Median(rtf[v]):F2}× the whole window's speed), CPU RTF {Median(cpuRtf[v]):F4} ({Median(cpuRtf[0]) / Median(cpuRtf[v]):F2}×), {counters[v].Detections} detections");
                }
            }
            finally
            {
                foreach (SpeechPipeline p in pipelines)
                {
                    p.Dispose();
                }
            }
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
    }

    private sealed class DetectionCounter : ISpeechEvents
    {
        public int Detections { get; set; }

        public void OnDetection(EdgeAgent.Core.Keywords.KeywordDetection detection) => Detections++;
    }

    private static float MaxDelta(float[] a, float[] b)
    {
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        }

        return max;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
