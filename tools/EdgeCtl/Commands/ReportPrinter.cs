using System.Text.Json;
using EdgeCtl.Analysis;
using Spectre.Console;

namespace EdgeCtl.Commands;

/// <summary>Prints an analysis for a person (tables) or for a program (one JSON object).</summary>
internal static class ReportPrinter
{
    public static void Print(AnalysisReport report, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(report, ReportJsonContext.Default.AnalysisReport));
            return;
        }

        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(report.Source)}[/]: {report.DurationSec:F2} s, speech {report.SpeechRatio:P0}");
        if (report.SpeechSegments.Count > 0)
        {
            var segments = new Table().AddColumns("speech from (s)", "to (s)", "length (s)");
            foreach (SegmentReport s in report.SpeechSegments)
            {
                segments.AddRow($"{s.StartSec:F2}", $"{s.EndSec:F2}", $"{s.EndSec - s.StartSec:F2}");
            }

            AnsiConsole.Write(segments);
        }
        else
        {
            AnsiConsole.MarkupLine("no speech");
        }

        if (report.Detections.Count > 0)
        {
            var detections = new Table().AddColumns("time (s)", "keyword", "score", "model");
            foreach (DetectionReport d in report.Detections)
            {
                string keyword = d.Label is null ? d.Keyword : $"{d.Keyword} ({d.Label})";
                detections.AddRow($"{d.TimeSec:F2}", Markup.Escape(keyword), $"{d.Score:F3}", Markup.Escape($"{d.Model}@{d.Version}"));
            }

            AnsiConsole.Write(detections);
        }
        else
        {
            AnsiConsole.MarkupLine("no keyword detected");
        }

        if (report.Drift is { } drift)
        {
            AnsiConsole.MarkupLine($"drift against the reference: [bold]{drift.Verdict}[/]" +
                (drift.Alarms.Count > 0 ? $" ({Markup.Escape(string.Join(", ", drift.Alarms.Select(a => $"{a.Family}: {a.Feature}").Distinct()))})" : ""));
        }

        AnsiConsole.MarkupLine(
            $"processed {report.Timing.AudioSec:F1} s of audio in {report.Timing.ProcessSec:F2} s (RTF {report.Timing.Rtf:F4}); " +
            $"{report.Pipeline.Vad}, keyword stage {(report.Pipeline.Gated ? "gated" : "ungated")}: {report.Pipeline.KeywordChunks} chunks run, {report.Pipeline.GatedChunks} skipped");
    }
}
