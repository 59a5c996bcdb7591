using System.CommandLine;
using System.Text.Json;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Speech.Pipeline;
using EdgeCtl.Analysis;
using Spectre.Console;

namespace EdgeCtl.Commands;

/// <summary><c>edgectl drift &lt;audio.wav&gt;... --reference ref.json</c>: has the input changed, and how?</summary>
internal static class DriftCommand
{
    /// <summary>k of mean + k·σ, as the agent's default.</summary>
    private const double ThresholdSigmas = 3;

    public static Command Create()
    {
        var pipeline = new PipelineOptions();
        var files = new Argument<string[]>("audio.wav") { Description = "WAV files, treated as one stream", Arity = ArgumentArity.OneOrMore };
        var reference = new Option<string>("--reference") { Description = "Reference profile (edgectl profile build)", Required = true };
        var command = new Command("drift", "Compare audio with a reference profile and name what changed");
        command.Arguments.Add(files);
        command.Options.Add(reference);
        command.Options.Add(pipeline.Models);
        command.Options.Add(pipeline.Vad);
        command.Options.Add(pipeline.Json);
        command.SetAction(result =>
        {
            (SignalProfile referenceProfile, DriftThresholds thresholds) = ReadReferenceWithThresholds(result.GetValue(reference)!);
            (SpeechModels models, SpeechPipelineOptions options) = pipeline.Resolve(result);
            SignalProfile current = StreamProfiler.Profile(result.GetValue(files)!, models, options);
            DriftReport report = new DriftAnalyzer(new DriftOptions()).Compare(current, referenceProfile, thresholds);
            Print(report, result.GetValue(pipeline.Json));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Reads a reference profile; a bad file is a one-line error naming it.</summary>
    internal static SignalProfile ReadReference(string path) => ReadReferenceWithThresholds(path).Profile;

    /// <summary>A reference profile and the thresholds adapted to its own spread (mean + 3σ of its segments, never below the defaults).</summary>
    internal static (SignalProfile Profile, DriftThresholds Thresholds) ReadReferenceWithThresholds(string path)
    {
        try
        {
            ProfileDocument doc = ProfileDocument.Read(path);
            return (doc.ToProfile(), DriftThresholds.FromSpread(doc.Spread ?? [], ThresholdSigmas, new DriftOptions().FingerprintThresholdDb));
        }
        catch (FormatException ex)
        {
            throw new CliException(ex.Message.StartsWith(path, StringComparison.Ordinal) ? ex.Message : $"{path}: {ex.Message}");
        }
    }

    private static void Print(DriftReport report, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(report, DriftJsonContext.Default.DriftReport));
            return;
        }

        string colour = report.Verdict switch { DriftReport.Ok => "green", DriftReport.Drift => "red", _ => "yellow" };
        AnsiConsole.MarkupLine($"verdict [{colour}]{report.Verdict}[/] over {report.DurationSeconds:F1} s ({report.SpeechSeconds:F1} s of speech)");
        var table = new Table().AddColumns("family", "verdict", "alarms");
        foreach (FamilySummary f in report.Families)
        {
            table.AddRow(f.Family, f.Verdict, f.Alarms.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        foreach (DriftAlarm a in report.Alarms)
        {
            AnsiConsole.MarkupLine($"[red]{a.Family}[/]: {a.Feature} moved {a.Effect:+0.###;-0.###} {Markup.Escape(a.Unit)} ({a.Test} {a.Score:0.###} ≥ {a.Threshold:0.###})");
        }
    }
}
