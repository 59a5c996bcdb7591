using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeAgent.Core.Audio;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Speech.Pipeline;
using EdgeCtl.Analysis;

namespace EdgeCtl.Commands;

/// <summary>
/// <c>edgectl watch &lt;audio.wav&gt;... [--reference ref.json]</c>: the agent's drift watch (<see cref="DriftMonitor"/>:
/// windows, evaluations, alarm state machines, trends) over files as one stream, on the stream's own clock — faster
/// than real time. Without a reference it learns the device's baseline as the agent does. <c>--windows-out</c> keeps
/// each window's profile in the compact encoding, for <c>edgectl cohort</c>.
/// </summary>
internal static class WatchCommand
{
    private const int BlockSamples = 16_000;

    public static Command Create()
    {
        var pipeline = new PipelineOptions();
        var files = new Argument<string[]>("audio.wav") { Description = "WAV files, watched as one stream", Arity = ArgumentArity.OneOrMore };
        var reference = new Option<string?>("--reference") { Description = "The model's training reference (edgectl profile build); without it the device's baseline is learned" };
        var window = new Option<double>("--window") { Description = "Window length, seconds", DefaultValueFactory = _ => 60 };
        var windowsOut = new Option<string?>("--windows-out") { Description = "Directory for each window's encoded profile (for edgectl cohort)" };
        var command = new Command("watch", "Run the agent's drift watch over audio files, faster than real time");
        command.Arguments.Add(files);
        command.Options.Add(reference);
        command.Options.Add(window);
        command.Options.Add(windowsOut);
        pipeline.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            double seconds = result.GetValue(window);
            if (seconds is < 1 or > 3600)
            {
                throw new CliException($"--window must be between 1 and 3600 seconds, not {seconds}");
            }

            SignalProfile? referenceProfile = result.GetValue(reference) is { } path ? DriftCommand.ReadReference(path) : null;
            (SpeechModels models, SpeechPipelineOptions options) = pipeline.Resolve(result);
            var monitor = new DriftMonitor(new DriftMonitorOptions { WindowSeconds = seconds }, new DriftOptions(), new AlarmStateMachineOptions(), referenceProfile);
            var events = new WatchEvents(monitor, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            using (var speech = new SpeechPipeline(models, options, events))
            {
                events.Keywords = speech.Heads.Select(h => h.Keyword).ToArray();
                var block = new float[BlockSamples];
                foreach (string file in result.GetValue(files)!)
                {
                    using var source = new WavFileSource(file);
                    source.Open();
                    var reader = new PipelineAudioReader(source);
                    reader.Reset();
                    int n;
                    while ((n = reader.Read(block)) > 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        speech.Process(block.AsSpan(0, n));
                    }
                }

                speech.Flush();
            }

            if (result.GetValue(windowsOut) is { } dir)
            {
                Directory.CreateDirectory(dir);
                for (int i = 0; i < events.Windows.Count; i++)
                {
                    File.WriteAllBytes(Path.Combine(dir, $"window-{i:D5}.ep"), events.Windows[i].EncodedProfile);
                }
            }

            WatchReport report = Report(events.Windows, referenceProfile is null ? "this device's baseline" : "the model's training reference");
            Print(report, result.GetValue(pipeline.Json));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static WatchReport Report(List<DriftWindow> windows, string comparedWith)
    {
        var changes = windows.SelectMany(w => w.Changes.Select(c => new WatchAlarmChange(
            w.End, c.Family, Name(c.From), Name(c.To),
            string.Join(", ", c.Evidence.Select(e => $"{e.Feature} {e.Test} {e.Score.ToString("0.###", CultureInfo.InvariantCulture)} >= {e.Threshold.ToString("0.###", CultureInfo.InvariantCulture)}"))))).ToList();
        var trends = windows.SelectMany(w => w.Trends.Select(t => new WatchTrend(w.End, t.Feature, t.Change, t.From, t.To, t.RatePerHour, t.Unit, t.CrossesThreshold))).ToList();
        var raised = DriftFamily.All.ToDictionary(f => f, f => changes.Count(c => c.Family == f && c.To == "alarm" && c.From != "recovering"), StringComparer.Ordinal);
        return new WatchReport(
            Math.Round(windows.Sum(w => w.Profile.DurationSeconds), 1),
            Math.Round(windows.Sum(w => w.Profile.SpeechSeconds), 1),
            windows.Count,
            comparedWith,
            changes,
            trends,
            raised);
    }

    private static void Print(WatchReport report, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(report, ReportJsonContext.Default.WatchReport));
            return;
        }

        Console.Out.WriteLine($"{report.Windows} windows, {report.DurationSeconds:F0} s ({report.SpeechSeconds:F0} s of speech), against {report.ComparedWith}");
        foreach (WatchAlarmChange c in report.AlarmChanges)
        {
            Console.Out.WriteLine($"{c.At:HH:mm:ss} alarm {c.Family}: {c.From} -> {c.To}; {c.Evidence}");
        }

        foreach (WatchTrend t in report.Trends)
        {
            Console.Out.WriteLine($"{t.At:HH:mm:ss} trend {t.Feature}: {t.Change} change from {t.From:0.###} to {t.To:0.###} {t.Unit}{(t.CrossesThreshold ? ", beyond its drift threshold" : "")}");
        }

        Console.Out.WriteLine($"alarms raised: {string.Join(", ", report.AlarmsRaised.Select(a => $"{a.Key} {a.Value}"))}");
    }

    private static string Name(AlarmState state) => state.ToString().ToLowerInvariant();
}
