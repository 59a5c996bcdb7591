using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Streaming;

namespace EdgeAgent.Benchmarks;

/// <summary>
/// <c>edgeagent-bench rss [vad] [whole-window|time-pools]</c>: resident memory, anonymous and file-backed, at each step of one pipeline's life in
/// a fresh process: bare, after the first ONNX Runtime session, after the pipeline is built, after 60 s of audio, after
/// a second (standby) pipeline over the same models, after disposing it, with a rollout's shadow VAD on its own thread, after disposing it.
/// </summary>
internal static class RssSteps
{
    public static void Run(ModelStore store, string vad, string embedding)
    {
        Console.WriteLine($"embedding: {embedding}");
        var options = new SpeechPipelineOptions
        {
            StreamingEmbedding = embedding != "whole-window",
            StreamingCuts = embedding == "time-pools" ? StreamingCuts.TimePools : StreamingCuts.Minimal,
        };
        Console.WriteLine($"bare process                 {Rss.Now()}");
        SpeechModels models = SpeechModels.Select(store, vad, []);
        using (var probe = EdgeAgent.Speech.Onnx.OnnxSessions.Open(models.Keywords[0], new EdgeAgent.Speech.Onnx.OnnxOptions()))
        {
            Console.WriteLine($"ONNX Runtime loaded          {Rss.Now()}");
        }

        using var live = new SpeechPipeline(models, options);
        GC.Collect();
        Console.WriteLine($"one pipeline built           {Rss.Now()}");
        float[] audio = EdgeAgent.Core.Audio.PipelineAudioReader.LoadFile(BenchAudio.Ensure(Path.Combine(Path.GetTempPath(), "edgeagent-bench")));
        for (int i = 0; i + 1280 <= audio.Length; i += 1280)
        {
            live.Process(audio.AsSpan(i, 1280));
        }

        double audioMiB = audio.Length * sizeof(float) / (1024.0 * 1024.0);
        GC.Collect();
        Console.WriteLine($"after 60 s of audio          {Rss.Now()} (the bench's own copy of the audio: {audioMiB:F1} MiB anon)");
        var standby = new SpeechPipeline(models, options);
        GC.Collect();
        Console.WriteLine($"+ a second pipeline          {Rss.Now()}");
        standby.Dispose();
        GC.Collect();
        Console.WriteLine($"second pipeline disposed     {Rss.Now()}");

        // A rollout's shadow: the candidate VAD (v6, or v5 when v5 is live) on its own thread, fed the same frames.
        InstalledModel candidate = store.Find(SpeechModels.VadName, models.Vad.Version == "v6" ? "v5" : "v6");
        using (var shadow = new EdgeAgent.Speech.Shadow.ShadowEvaluator(candidate, options, 41, cpuBudget: 1.0))
        {
            for (int i = 0; i + 512 <= audio.Length; i += 512)
            {
                shadow.OnVadFrame(audio.AsSpan(i, 512), 0.5f);
                if (i % (512 * 32) == 0)
                {
                    Thread.Sleep(1); // let the shadow thread keep up (it skips work it is behind on)
                }
            }

            Thread.Sleep(200);
            GC.Collect();
            Console.WriteLine($"+ a shadow VAD ({candidate.Version}, own thread) {Rss.Now()} after {shadow.Snapshot().Samples} frames");
        }

        GC.Collect();
        Console.WriteLine($"shadow disposed              {Rss.Now()}");
    }
}
