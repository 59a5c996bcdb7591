using System.CommandLine;
using System.Diagnostics;
using EdgeAgent.Core.Audio;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Speech.Pipeline;
using EdgeCtl.Analysis;
using Spectre.Console;

namespace EdgeCtl.Commands;

/// <summary><c>edgectl analyze &lt;audio.wav&gt;</c>: speech segments and keyword detections of a file.</summary>
internal static class AnalyzeCommand
{
    private const int BlockSamples = 16_000;

    public static Command Create()
    {
        var pipeline = new PipelineOptions();
        var audio = new Argument<string>("audio.wav") { Description = "WAV file (any PCM or float format, rate and channel count)" };
        var command = new Command("analyze", "Run the speech pipeline over an audio file");
        var reference = new Option<string?>("--reference") { Description = "Reference profile: adds a drift section (edgectl profile build)" };
        command.Arguments.Add(audio);
        command.Options.Add(reference);
        pipeline.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            string path = result.GetValue(audio)!;
            bool json = result.GetValue(pipeline.Json);
            SignalProfile? referenceProfile = result.GetValue(reference) is { } referencePath ? DriftCommand.ReadReference(referencePath) : null;
            (SpeechModels models, SpeechPipelineOptions options) = pipeline.Resolve(result);
            using var source = new WavFileSource(path);
            source.Open();
            AnalysisReport report = Run(source, models, options, path, referenceProfile, cancellationToken);
            ReportPrinter.Print(report, json);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    internal static AnalysisReport Run(
        IAudioSource source, SpeechModels models, SpeechPipelineOptions options, string name, SignalProfile? reference, CancellationToken cancellationToken)
    {
        var collector = new AnalysisCollector { Profiler = reference is null ? null : new SignalProfiler() };
        using var pipeline = new SpeechPipeline(models, options, collector);
        if (pipeline.StreamingFallback is { } fallback)
        {
            Console.Error.WriteLine($"streaming embedding off: {fallback}");
        }

        collector.Keywords = pipeline.Heads.Select(h => h.Keyword).ToArray();
        var reader = new PipelineAudioReader(source);
        reader.Reset();
        double expectedSec = source is WavFileSource file ? file.DurationSeconds : 0;
        var block = new float[BlockSamples];

        long start = Stopwatch.GetTimestamp();
        if (expectedSec > 20 && !Console.IsErrorRedirected)
        {
            IAnsiConsole stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            stderr.Progress().AutoClear(true).Start(ctx =>
            {
                ProgressTask task = ctx.AddTask("analysing", maxValue: expectedSec);
                Pump(reader, pipeline, block, cancellationToken, seconds => task.Value = seconds);
            });
        }
        else
        {
            Pump(reader, pipeline, block, cancellationToken, null);
        }

        pipeline.Flush();
        double processSec = Stopwatch.GetElapsedTime(start).TotalSeconds;
        AnalysisReport report = collector.BuildReport(name, pipeline, processSec, overruns: 0);
        return reference is null
            ? report
            : report with { Drift = new DriftAnalyzer(new DriftOptions()).Compare(collector.Profiler!.Profile, reference) };
    }

    private static void Pump(PipelineAudioReader reader, SpeechPipeline pipeline, float[] block, CancellationToken cancellationToken, Action<double>? progress)
    {
        int n;
        while ((n = reader.Read(block)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            pipeline.Process(block.AsSpan(0, n));
            progress?.Invoke(pipeline.Samples / 16_000.0);
        }
    }
}
