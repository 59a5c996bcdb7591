using System.CommandLine;
using System.Diagnostics;
using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Keywords;
using EdgeAgent.Speech.Pipeline;
using EdgeCtl.Analysis;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace EdgeCtl.Commands;

/// <summary>
/// <c>edgectl listen</c>: runs the pipeline on a live source (the microphone by default) through the same capture
/// path as the agent, printing detections as they happen — the technician's microphone check.
/// </summary>
internal static class ListenCommand
{
    public static Command Create()
    {
        var pipeline = new PipelineOptions();
        var sourceOption = new Option<string>("--source")
        {
            Description = AudioSourceSpec.Help,
            DefaultValueFactory = _ => "alsa:default",
        };
        var seconds = new Option<double>("--seconds")
        {
            Description = "Stop after this much audio (default: until Ctrl+C or the end of the source)",
        };
        var buffer = new Option<double>("--buffer-seconds")
        {
            Description = "Audio held for a pipeline that falls behind before the oldest is dropped (default 2)",
            DefaultValueFactory = _ => 2.0,
        };
        var command = new Command("listen", "Run the speech pipeline on a live audio source");
        command.Options.Add(sourceOption);
        command.Options.Add(seconds);
        command.Options.Add(buffer);
        pipeline.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            bool json = result.GetValue(pipeline.Json);
            double limit = result.GetValue(seconds);
            if (limit < 0)
            {
                throw new CliException("--seconds must not be negative");
            }

            double bufferSec = result.GetValue(buffer);
            if (bufferSec is < 0.1 or > 600)
            {
                throw new CliException("--buffer-seconds must be between 0.1 and 600");
            }

            var capture = new AudioCaptureOptions
            {
                Capacity = (int)Math.Ceiling(bufferSec * AudioFormat.PipelineRate / 512),
                MaxSamples = limit > 0 ? (long)(limit * AudioFormat.PipelineRate) : null,
            };
            (SpeechModels models, SpeechPipelineOptions options) = pipeline.Resolve(result);
            IAudioSource source;
            try
            {
                source = AudioSourceSpec.Create(result.GetValue(sourceOption)!);
            }
            catch (FormatException ex)
            {
                throw new CliException(ex.Message);
            }

            AnalysisReport report = await RunAsync(source, capture, models, options, json, cancellationToken);
            ReportPrinter.Print(report, json);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<AnalysisReport> RunAsync(
        IAudioSource source, AudioCaptureOptions captureOptions, SpeechModels models, SpeechPipelineOptions options, bool json, CancellationToken cancellationToken)
    {
        var collector = new AnalysisCollector
        {
            DetectionSeen = json ? null : d => AnsiConsole.MarkupLine($"[green]{d.TimeSec,8:F2} s  {Markup.Escape(Describe(d))}  {d.Score:F3}[/]"),
        };
        using var pipeline = new SpeechPipeline(models, options, collector);
        string? fault = null;
        await using var capture = new AudioCapture(source, captureOptions, NullLogger.Instance);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        capture.Fault += message =>
        {
            // A source that never delivered is a wrong device name or a missing microphone: say so and stop.
            fault = message;
            if (capture.Samples == 0)
            {
                failed.Cancel();
            }
        };
        capture.Start();

        double busy = 0;
        try
        {
            await foreach (AudioFrame frame in capture.Frames.ReadAllAsync(failed.Token))
            {
                long t = Stopwatch.GetTimestamp();
                try
                {
                    pipeline.Process(frame.Samples);
                }
                finally
                {
                    frame.Return();
                }

                busy += Stopwatch.GetElapsedTime(t).TotalSeconds;            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: report what was heard so far.
        }

        if (pipeline.Samples == 0 && fault is not null)
        {
            throw new CliException(fault);
        }

        pipeline.Flush();
        return collector.BuildReport(source.Description, pipeline, busy, capture.Overruns);
    }

    private static string Describe(KeywordDetection d) => d.Label is null ? d.Keyword : $"{d.Keyword} ({d.Label})";
}
