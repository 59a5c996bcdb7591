using System.Diagnostics;
using System.Globalization;
using EdgeAgent.Benchmarks;
using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Vad;

// A plain harness (Release, one ORT thread): RTF of the VAD alone and of the whole pipeline gated and ungated,
// per-chunk latency, allocations and RSS on 60 s of audio with ~30% speech. Each figure is the median of --runs.
if (args.Length > 0 && args[0] == "rss")
{
    RssSteps.Run(new ModelStore(ModelStore.DefaultRoot()), args.Length > 1 ? args[1] : "v5", args.Length > 2 ? args[2] : "streaming");
    return;
}

if (args.Length > 0 && args[0] == "rss-vad")
{
    VadRss.Run(new ModelStore(ModelStore.DefaultRoot()), args.Length > 1 ? args[1] : "v5", args.Length > 2 ? args[2] : "all");
    return;
}

if (args.Length > 0 && args[0] == "vad-fold")
{
    VadFoldBench.Run(new ModelStore(ModelStore.DefaultRoot()), args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 11, Path.Combine(Path.GetTempPath(), "edgeagent-bench"));
    return;
}

if (args.Length > 0 && args[0] == "streaming")
{
    StreamingBench.Run(new ModelStore(ModelStore.DefaultRoot()), args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7, Path.Combine(Path.GetTempPath(), "edgeagent-bench"));
    return;
}

int runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
string workDir = Path.Combine(Path.GetTempPath(), "edgeagent-bench");
var store = new ModelStore(ModelStore.DefaultRoot());
double rssStart = RssMiB();

// Memory of one agent's pipeline (VAD + mel + embedding + six heads), in this process before anything else loads.
SpeechModels models = SpeechModels.Select(store, "v5", []);
using var gated = new SpeechPipeline(models, new SpeechPipelineOptions { Gated = true });
GC.Collect();
double rssLoaded = RssMiB();
float[] audio = PipelineAudioReader.LoadFile(BenchAudio.Ensure(workDir));
double audioSec = audio.Length / 16_000.0;
Measure(gated, audio, null);
GC.Collect();
double rssOne = RssMiB() - audio.Length * sizeof(float) / (1024.0 * 1024.0); // less the benchmark's own copy of the audio

using var ungated = new SpeechPipeline(models, new SpeechPipelineOptions { Gated = false });
using var vad = new SileroVad(models.Vad, new OnnxOptions());

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeDescriptionLine()}");
Console.WriteLine($"audio: {audioSec:F1} s; runs: {runs} (medians)");
Console.WriteLine($"RSS: bare process {rssStart:F0} MiB; one pipeline (VAD + mel + embedding + {models.Keywords.Count} heads) loaded {rssLoaded:F0} MiB, after 60 s {rssOne:F0} MiB");

var stages = new Dictionary<string, List<double>>();
using var listener = new System.Diagnostics.Metrics.MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Name == "edgeagent.speech.stage.duration")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
{
    string stage = (string)tags[0].Value!;
    if (!stages.TryGetValue(stage, out List<double>? list))
    {
        stages[stage] = list = new List<double>(100_000);
    }

    list.Add(value);
});

listener.Start();
var vadRtf = new List<double>();
var gatedRtf = new List<double>();
var ungatedRtf = new List<double>();
var gatedChunks = new List<double>(10_000);
var ungatedChunks = new List<double>(10_000);
long allocatedGated = 0, allocatedUngated = 0;
double speechRatio = 0;
for (int run = -1; run < runs; run++) // run -1 warms up
{
    long t = Stopwatch.GetTimestamp();
    for (int i = 0; i + 512 <= audio.Length; i += 512)
    {
        vad.Process(audio.AsSpan(i, 512));
    }

    double vadSec = Stopwatch.GetElapsedTime(t).TotalSeconds;
    vad.Reset();
    (double g, long ga) = Measure(gated, audio, run >= 0 ? gatedChunks : null);
    (double u, long ua) = Measure(ungated, audio, run >= 0 ? ungatedChunks : null);
    if (run >= 0)
    {
        vadRtf.Add(vadSec / audioSec);
        gatedRtf.Add(g / audioSec);
        ungatedRtf.Add(u / audioSec);
        allocatedGated = Math.Max(allocatedGated, ga);
        allocatedUngated = Math.Max(allocatedUngated, ua);
        speechRatio = (double)gated.KeywordChunks / (gated.KeywordChunks + gated.GatedChunks);
    }
}

// Drift profiling on top of the pipeline: features of every 32 ms frame and six keyword scores of every 80 ms chunk
// into a profile, then the window's compact encoding.
var profileRtf = new List<double>();
var encodeMs = new List<double>();
long profileAllocated = 0;
int encodedBytes = 0;
var profiler = new EdgeAgent.Drift.Profiles.SignalProfiler();
string[] keywords = ["alexa", "hey_jarvis", "hey_mycroft", "hey_rhasspy", "timer", "weather"];
float[] scores = [0.01f, 0.02f, 0.001f, 0.05f, 0.003f, 0.2f];
for (int run = -1; run < runs; run++)
{
    long before = GC.GetAllocatedBytesForCurrentThread();
    long t = Stopwatch.GetTimestamp();
    for (int i = 0, frame = 0; i + 512 <= audio.Length; i += 512, frame++)
    {
        profiler.Push(audio.AsSpan(i, 512), frame % 3 == 0 ? 0.9f : 0.1f, 0.2);
        if (frame % 5 is 0 or 2)
        {
            profiler.Predictions.AddChunk(scores, keywords, 1.5);
        }
    }

    if (run >= 0)
    {
        profileRtf.Add(Stopwatch.GetElapsedTime(t).TotalSeconds / audioSec);
        profileAllocated = Math.Max(profileAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
        t = Stopwatch.GetTimestamp();
        encodedBytes = EdgeAgent.Drift.Profiles.ProfileCodec.Encode(profiler.TakeProfile()).Length;
        encodeMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
    }
}

// Shadow evaluation: Silero v6 beside the live v5 on the same frames. The audio thread only copies and queues a frame;
// the candidate runs on the evaluator's thread (fed in bursts of 32 frames, waiting for it to catch up, so none is skipped).
var offerUs = new List<double>();
var shadowP95 = new List<double>();
CandidateHealthView? lastShadow = null;
float[] live = new float[audio.Length / 512];
for (int i = 0; i < live.Length; i++)
{
    live[i] = vad.Process(audio.AsSpan(i * 512, 512));
}

for (int run = -1; run < runs; run++)
{
    using var shadow = new EdgeAgent.Speech.Shadow.ShadowEvaluator(store.Find("silero_vad", "v6"), new SpeechPipelineOptions(), 41, cpuBudget: 4);
    long offerTicks = 0;
    for (int i = 0; i < live.Length; i++)
    {
        long t = Stopwatch.GetTimestamp();
        shadow.OnVadFrame(audio.AsSpan(i * 512, 512), live[i]);
        offerTicks += Stopwatch.GetTimestamp() - t;
        if (i % 32 == 31)
        {
            while (shadow.Snapshot() is var h && h.Samples + h.Skipped + h.Errors < i + 1)
            {
                Thread.Sleep(1);
            }
        }
    }

    while (shadow.Snapshot() is var h && h.Samples + h.Skipped + h.Errors < live.Length)
    {
        Thread.Sleep(1);
    }

    if (run >= 0)
    {
        var health = shadow.Snapshot();
        offerUs.Add(Stopwatch.GetElapsedTime(0, offerTicks).TotalMicroseconds / live.Length);
        shadowP95.Add(health.P95Ms);
        lastShadow = new CandidateHealthView(health.Samples, health.Agreement ?? 0, health.ScoreShift, health.Skipped);
    }
}

double rssAfter = RssMiB();
foreach ((string stage, List<double> values) in stages.OrderBy(s => s.Key))
{
    Console.WriteLine($"stage {stage,-10} n={values.Count,6}  p50 {Percentile(values, 50):F3} ms  p99 {Percentile(values, 99):F3} ms");
}

Console.WriteLine($"VAD alone (Silero v5)      RTF {Median(vadRtf):F4}");
Console.WriteLine($"full pipeline, ungated     RTF {Median(ungatedRtf):F4}   per 80 ms chunk p50 {Percentile(ungatedChunks, 50):F2} ms, p99 {Percentile(ungatedChunks, 99):F2} ms");
Console.WriteLine($"full pipeline, VAD-gated   RTF {Median(gatedRtf):F4}   per 80 ms chunk p50 {Percentile(gatedChunks, 50):F2} ms, p99 {Percentile(gatedChunks, 99):F2} ms   (keyword stage ran on {speechRatio:P0} of chunks)");
Console.WriteLine($"drift features + profiling  RTF {Median(profileRtf):F4}   allocated {profileAllocated} B over {audioSec:F0} s; window encoded in {Median(encodeMs):F2} ms to {encodedBytes} B");
Console.WriteLine($"shadow VAD v6 beside v5     audio-thread cost {Median(offerUs):F2} µs per 32 ms frame; candidate p95 {Median(shadowP95):F3} ms per frame on its own thread; agreement {lastShadow!.Agreement:F3} over {lastShadow.Samples} frames, mean |Δp| {lastShadow.Shift:F3}, skipped {lastShadow.Skipped}");
Console.WriteLine($"allocated per second of audio (steady state): gated {allocatedGated / audioSec:F0} B, ungated {allocatedUngated / audioSec:F0} B");
Console.WriteLine($"RSS with two pipelines and a VAD after {runs + 1} × 60 s through each: {rssAfter:F0} MiB");

static (double Seconds, long Allocated) Measure(SpeechPipeline pipeline, float[] audio, List<double>? chunkMs)
{
    pipeline.Reset();
    long allocated = GC.GetAllocatedBytesForCurrentThread();
    long start = Stopwatch.GetTimestamp();
    for (int i = 0; i + 1280 <= audio.Length; i += 1280)
    {
        long t = Stopwatch.GetTimestamp();
        pipeline.Process(audio.AsSpan(i, 1280));
        chunkMs?.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
    }

    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
    return (seconds, GC.GetAllocatedBytesForCurrentThread() - allocated);
}

static double Median(List<double> values) => Percentile(values, 50);

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p / 100 * (sorted.Count - 1)))];
}

static double RssMiB()
{
    foreach (string line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
    }

    return double.NaN;
}

static string RuntimeDescriptionLine() =>
    $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";

internal sealed record CandidateHealthView(long Samples, double Agreement, double Shift, long Skipped);
