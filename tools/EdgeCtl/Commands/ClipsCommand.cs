using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeAgent.Clips;
using EdgeAgent.Core.Runtime;
using EdgeCtl.Analysis;

namespace EdgeCtl.Commands;

/// <summary>
/// <c>edgectl clips list|purge</c>: the audio clips the agent has queued for the cloud. Only their clear metadata can
/// be shown: the audio is sealed for the cloud's key, which the device does not hold.
/// </summary>
internal static class ClipsCommand
{
    public static Command Create()
    {
        var command = new Command("clips", "The audio clips queued on this device for the cloud (metadata only; the audio is sealed for the cloud)");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreatePurge());
        return command;
    }

    private static Option<string> DataDirOption() => new("--data-dir")
    {
        Description = $"The agent's data directory (default ${DataDirectory.EnvironmentVariable} or ~/.edgeagent/data)",
        DefaultValueFactory = _ => DataDirectory.Default(),
    };

    private static Command CreateList()
    {
        var dataDir = DataDirOption();
        var json = new Option<bool>("--json") { Description = "One JSON object" };
        var command = new Command("list", "Show the queued clips, oldest first: id, time, trigger, keyword, score, size");
        command.Options.Add(dataDir);
        command.Options.Add(json);
        command.SetAction(result =>
        {
            ClipQueue queue = Open(result.GetValue(dataDir)!);
            IReadOnlyList<QueuedClip> clips = queue.List();
            var report = new ClipListReport(
                queue.Root,
                clips.Select(c => new ClipListEntry(
                    c.ClipId, c.Metadata?.At ?? c.At, c.Metadata?.Trigger, c.Metadata?.Keyword, c.Metadata?.Score, c.Metadata?.DurationSec, c.Bytes,
                    c.Metadata?.Models.Select(m => $"{m.Name}@{m.Version}").ToList(), c.Problem)).ToList(),
                clips.Sum(c => c.Bytes));
            if (result.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(report, ReportJsonContext.Default.ClipListReport));
                return ExitCodes.Ok;
            }

            Print(report);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreatePurge()
    {
        var dataDir = DataDirOption();
        var id = new Option<string?>("--id") { Description = "Delete only this clip" };
        var command = new Command("purge", "Delete the queued clips (all of them, or one with --id); they are never sent");
        command.Options.Add(dataDir);
        command.Options.Add(id);
        command.SetAction(result =>
        {
            ClipQueue queue = Open(result.GetValue(dataDir)!);
            string? only = result.GetValue(id);
            if (only is not null && !ClipQueue.IsValidClipId(only))
            {
                throw new CliException($"--id {only}: a clip id is 32 lower-case hex digits (see 'edgectl clips list')");
            }

            int deleted = queue.Purge(only);
            if (only is not null && deleted == 0)
            {
                throw new CliException($"no queued clip {only} in {queue.Root}");
            }

            Console.Out.WriteLine($"purged {deleted} clip{(deleted == 1 ? "" : "s")} from {queue.Root}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static ClipQueue Open(string dataDir)
    {
        if (!Directory.Exists(dataDir))
        {
            throw new CliException($"{dataDir}: no such directory (the agent's data directory: --data-dir or ${DataDirectory.EnvironmentVariable})");
        }

        return new ClipQueue(dataDir, owner: false); // the agent may be writing: its temporary files are its own
    }

    /// <summary>One line per clip (plain columns: a 32-digit id does not fit a table on an 80-column console).</summary>
    private static void Print(ClipListReport report)
    {
        TextWriter o = Console.Out;
        if (report.Clips.Count == 0)
        {
            o.WriteLine($"no clips queued in {report.Queue}");
            return;
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"id",-32}  {"at (UTC)",-19}  {"trigger",-13}  {"keyword",-14}  {"score",5}  {"sec",5}  {"bytes",8}"));
        foreach (ClipListEntry c in report.Clips)
        {
            string score = c.Score?.ToString("0.000", CultureInfo.InvariantCulture) ?? "-";
            string seconds = c.DurationSec?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-";
            string trigger = c.Trigger ?? "damaged";
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Id,-32}  {c.At.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {trigger,-13}  {c.Keyword ?? "-",-14}  {score,5}  {seconds,5}  {c.Bytes,8}{(c.Problem is null ? "" : "  " + c.Problem)}"));
        }

        o.WriteLine($"{report.Clips.Count} clip(s), {report.TotalBytes} bytes in {report.Queue}; the audio is sealed for the cloud and cannot be played here");
    }
}
