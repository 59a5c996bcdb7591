using System.IO.Compression;
using System.Security.Claims;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Api;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCloud.Clips;

/// <summary>
/// <c>GET /api/datasets/export?model=&amp;groupBy=&amp;group=&amp;since=&amp;until=</c>: the labelled clips of a model
/// (a detection or near miss of that keyword, or any clip the model was serving in), optionally of one cohort and time
/// range, as a zip streamed to the client: <c>manifest.jsonl</c> (one line per clip: id, file, labels, trigger, keyword,
/// score, device id and cohort labels, model lineage with sha256 when the registry has the version) and
/// <c>clips/&lt;id&gt;.wav</c>, stored (PCM barely compresses; stored entries are written with asynchronous I/O only). Only
/// clip metadata is held in memory; the audio goes out one clip at a time.
/// </summary>
public static class DatasetExport
{
    public const int MaxClips = 100_000;
    private static readonly byte[] s_newline = "\n"u8.ToArray();
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static async Task<IResult> ExportAsync(
        ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct,
        string? model = null, string? groupBy = null, string? group = null, DateTimeOffset? since = null, DateTimeOffset? until = null)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return TypedResults.BadRequest(new ProblemText("model is required (a keyword model's name, e.g. hey_jarvis)"));
        }

        if (groupBy is not null && (!DeviceLabels.Names.Contains(groupBy) || group is null))
        {
            return TypedResults.BadRequest(new ProblemText($"groupBy must be one of {string.Join(", ", DeviceLabels.Names)}, with group the cohort's value"));
        }

        Dictionary<string, string>? cohort = groupBy is null ? null : new() { [groupBy] = group! };
        Dictionary<string, DeviceRecord> devices = (await store.ListDevicesAsync(ct)).ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
        List<ClipRecord> clips = (await store.ListClipsAsync(new ClipQuery { Labelled = true, Since = since, Until = until, Limit = MaxClips }, ct))
            .Where(c => c.Keyword == model || c.Models.Any(m => m.Name == model))
            .Where(c => devices.TryGetValue(c.DeviceId, out DeviceRecord? d) && LabelSelector.Selects(cohort, d.Labels))
            .OrderBy(c => c.At).ThenBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
        var hashes = new Dictionary<(string, string), string?>();
        foreach (ModelRef m in clips.SelectMany(c => c.Models).DistinctBy(m => (m.Name, m.Version)))
        {
            hashes[(m.Name, m.Version)] = (await store.GetModelAsync(m.Name, m.Version, ct))?.Sha256;
        }

        await FleetApi.AuditAsync(store, user, time, "dataset.export", model, $"{clips.Count} clips{(cohort is null ? "" : $" of {groupBy}={group}")}", ct);
        return TypedResults.Stream(stream => WriteAsync(stream, store, clips, devices, hashes, ct), "application/zip", $"{model}-dataset.zip");
    }

    private static async Task WriteAsync(Stream response, ICloudStore store, List<ClipRecord> clips, Dictionary<string, DeviceRecord> devices, Dictionary<(string, string), string?> hashes, CancellationToken ct)
    {
        await using var output = new AsyncOnlyOutput(response);
        await using (ZipArchive zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
        {
            await WriteEntriesAsync(zip, store, clips, devices, hashes, ct);
        }

        await output.FlushAsync(ct); // the central directory
    }

    private static async Task WriteEntriesAsync(ZipArchive zip, ICloudStore store, List<ClipRecord> clips, Dictionary<string, DeviceRecord> devices, Dictionary<(string, string), string?> hashes, CancellationToken ct)
    {
        ZipArchiveEntry manifest = zip.CreateEntry("manifest.jsonl", CompressionLevel.NoCompression);
        await using (Stream m = await manifest.OpenAsync(ct))
        {
            foreach (ClipRecord c in clips)
            {
                var line = new ManifestLine(
                    c.Id, File(c), c.Labels!.Keywords, c.Labels.Speech, c.Labels.By, c.Labels.At, c.Trigger, c.Keyword, c.Score, c.Threshold, c.At, c.DurationSec,
                    c.SampleRate, c.DeviceId, devices[c.DeviceId].Labels, c.Models.Select(x => new ModelLineage(x.Name, x.Version, hashes.GetValueOrDefault((x.Name, x.Version)))).ToList(), c.Alarms);
                await m.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(line, s_json), ct);
                await m.WriteAsync(s_newline, ct);
            }
        }

        byte[] header = new byte[Wav.HeaderBytes];
        foreach (ClipRecord c in clips)
        {
            if (await store.ReadClipAudioAsync(c.Id, ct) is not { } pcm)
            {
                continue; // expired between the listing and now: its manifest line names a file that is not there
            }

            ZipArchiveEntry entry = zip.CreateEntry(File(c), CompressionLevel.NoCompression);
            entry.LastWriteTime = c.At;
            await using Stream s = await entry.OpenAsync(ct);
            Wav.WriteHeader(header, c.SampleRate, pcm.Length);
            await s.WriteAsync(header, ct);
            await s.WriteAsync(pcm, ct);
        }
    }

    private static string File(ClipRecord c) => $"clips/{c.Id}.wav";

    /// <summary>One line of <c>manifest.jsonl</c>.</summary>
    public sealed record ManifestLine(
        string Id, string File, List<string> Keywords, bool Speech, string LabelledBy, DateTimeOffset LabelledAt, string Trigger, string? Keyword, double? Score,
        double? Threshold, DateTimeOffset At, double DurationSec, int SampleRate, string DeviceId, DeviceLabels DeviceLabels, List<ModelLineage> Models, List<string> Alarms);

    public sealed record ModelLineage(string Name, string Version, string? Sha256);
}
