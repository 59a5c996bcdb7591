using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Audio;
using EdgeAgent.TestSupport;
using EdgeCloud.Quality;
using EdgeCloud.Tests.Fleet;

namespace EdgeCloud.Tests.Clips;

/// <summary>The clip API of the real edge-cloud process: policy, sealed uploads, labelling, quality and the export, with each role.</summary>
[Trait("Category", "Integration")]
public sealed class ClipsApiTests : IDisposable
{
    private readonly CloudProcess _cloud = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Policy_IsValidatedWithClearErrors_SetByOperators_AndResolvedPerDevice()
    {
        string kioskPassword = await _cloud.RegisterAsync("kiosk-1", new { site = "consented", micModel = "mic-a" });
        string otherPassword = await _cloud.RegisterAsync("kiosk-2", new { site = "elsewhere", micModel = "mic-a" });
        using HttpClient viewer = _cloud.KeyClient(await _cloud.NewKeyAsync("wall", "viewer"));
        using HttpClient kiosk = _cloud.DeviceClient("kiosk-1", kioskPassword);
        using HttpClient other = _cloud.DeviceClient("kiosk-2", otherPassword);

        ClipPolicy before = await kiosk.PolicyOfAsync();
        Assert.False(before.Enabled); // off by default
        Assert.False(string.IsNullOrEmpty(before.PublicKey));

        HttpResponseMessage bad = await _cloud.Api.PutAsJsonAsync("/api/clips/policy", new
        {
            target = "some", triggers = new { nearMiss = new { low = 1.0 }, randomSpeech = new { rate = 1.5 } }, maxClipsPerHour = 4000, retentionDays = 0,
        }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        string problems = await bad.Content.ReadAsStringAsync(Ct);
        foreach (string named in new[] { "target must be", "enabled is required", "maxClipsPerHour must be 0-3600 (was 4000)", "retentionDays must be 1-3650 (was 0)", "nearMiss.low must be in (0, 1)", "randomSpeech.rate must be in [0, 1] (was 1.5)" })
        {
            Assert.Contains(named, problems);
        }

        using var notJson = new StringContent("{\"enabled\": yes", Encoding.UTF8, "application/json");
        HttpResponseMessage unreadable = await _cloud.Api.PutAsync("/api/clips/policy", notJson, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
        Assert.Contains("not {target, enabled, triggers, maxClipsPerHour, retentionDays}", await unreadable.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync("/api/clips/policy", ClipFleet.ConsentedPolicy(5), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _cloud.Api.PutAsJsonAsync("/api/clips/policy", ClipFleet.ConsentedPolicy(5), Ct)).StatusCode);

        JsonElement shown = await viewer.GetJsonAsync("/api/clips/policy");
        Assert.Equal("consented", shown.GetProperty("target").GetProperty("labels").GetProperty("site").GetString());
        Assert.Equal(0.2, shown.GetProperty("triggers").GetProperty("randomSpeech").GetProperty("rate").GetDouble());
        ClipPolicy on = await kiosk.PolicyOfAsync();
        ClipPolicy off = await other.PolicyOfAsync();
        Assert.True(on.Enabled);
        Assert.Equal((5, 7, 0.3, 0.2), (on.MaxClipsPerHour, on.RetentionDays, on.Triggers.NearMiss!.Low, on.Triggers.RandomSpeech!.Rate));
        Assert.False(off.Enabled);
        Assert.Equal(before.PublicKey, on.PublicKey);
        Assert.NotEqual(before.Version, on.Version);

        Assert.Equal(HttpStatusCode.Forbidden, (await kiosk.GetAsync("/api/clips/policy", Ct)).StatusCode); // a device reads only its own
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/device/clips/policy", Ct)).StatusCode);
        JsonElement audit = await _cloud.Api.GetJsonAsync("/api/audit");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "clips.policy" && a.GetProperty("detail").GetString()!.Contains("site=consented"));
    }

    [Fact]
    public async Task SealedClips_AreStoredOnceListenedToLabelledMeasuredAndExported_ByRole()
    {
        string password = await _cloud.RegisterAsync("kiosk-1", new { site = "consented", micModel = "mic-a" });
        string otherPassword = await _cloud.RegisterAsync("kiosk-2", new { site = "elsewhere", micModel = "mic-b" });
        await _cloud.Api.PutAsJsonAsync("/api/clips/policy", ClipFleet.ConsentedPolicy(3), Ct); // 3 + 2 slack = 5 an hour
        using HttpClient kiosk = _cloud.DeviceClient("kiosk-1", password);
        using HttpClient other = _cloud.DeviceClient("kiosk-2", otherPassword);
        string labelerName = "ann-" + Guid.NewGuid().ToString("n")[..6];
        using HttpClient labeler = _cloud.KeyClient(await _cloud.NewKeyAsync(labelerName, "labeler"));
        using HttpClient viewer = _cloud.KeyClient(await _cloud.NewKeyAsync("wall", "viewer"));
        byte[] key = Convert.FromBase64String((await kiosk.PolicyOfAsync()).PublicKey!);
        byte[] speech = ClipFleet.Speech();

        // Four detections and a random speech sample; then the quota.
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset t0 = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddMinutes(-30); // whole seconds: the store keeps milliseconds
        var sent = new List<ClipMetadata>();
        for (int i = 0; i < 5; i++)
        {
            ClipMetadata m = i < 4
                ? ClipFleet.Metadata("kiosk-1", t0.AddSeconds(10 * i), ClipTrigger.Detection, speech.Length)
                : ClipFleet.Metadata("kiosk-1", t0.AddSeconds(20.5), ClipTrigger.RandomSpeech, speech.Length); // overlaps the third detection
            byte[] sealedClip = ClipEnvelope.Seal(m, speech, key);
            HttpResponseMessage created = await kiosk.PostClipAsync(sealedClip);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(m.ClipId, (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString());
            HttpResponseMessage retried = await kiosk.PostClipAsync(sealedClip);
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode); // idempotent: a device retrying after a crash
            sent.Add(m);
        }

        HttpResponseMessage over = await kiosk.PostClipAsync(ClipEnvelope.Seal(ClipFleet.Metadata("kiosk-1", t0, ClipTrigger.Detection, speech.Length), speech, key));
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.NotNull(over.Headers.RetryAfter);

        HttpResponseMessage impostor = await kiosk.PostClipAsync(ClipEnvelope.Seal(ClipFleet.Metadata("kiosk-2", t0, ClipTrigger.Detection, speech.Length), speech, key));
        Assert.Equal(HttpStatusCode.BadRequest, impostor.StatusCode);
        Assert.Contains("'kiosk-2'", await impostor.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PostClipAsync(ClipEnvelope.Seal(ClipFleet.Metadata("kiosk-2", t0, ClipTrigger.Detection, speech.Length), speech, key))).StatusCode);
        HttpResponseMessage garbage = await kiosk.PostClipAsync(Encoding.UTF8.GetBytes("definitely not a clip"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("not a clip envelope", await garbage.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await kiosk.PostClipAsync(new byte[(2 * 1024 * 1024) + 1])).StatusCode);
        JsonElement stats = await _cloud.Api.GetJsonAsync("/api/clips/stats");
        Assert.Equal((5, 5), (stats.GetProperty("accepted").GetInt64(), stats.GetProperty("duplicates").GetInt64()));
        foreach (string reason in new[] { "quota", "wrong-device", "policy-off", "not-an-envelope", "too-large" })
        {
            Assert.Equal(1, stats.GetProperty("rejected").GetProperty(reason).GetInt64());
        }

        // Listing and listening: labelers (and operators), not viewers nor devices.
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/clips", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"/api/clips/{sent[0].ClipId}/audio", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await kiosk.GetAsync($"/api/clips/{sent[0].ClipId}/audio", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await labeler.GetAsync("/api/devices", Ct)).StatusCode); // a labeler sees clips, not the fleet
        JsonElement listed = await labeler.GetJsonAsync("/api/clips?deviceId=kiosk-1&trigger=detection&labelled=false&limit=10");
        Assert.Equal(sent.Take(4).Select(m => m.ClipId).Reverse(), listed.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        JsonElement first = listed.EnumerateArray().Last();
        Assert.Equal(("hey_jarvis", 0.91, "hey_jarvis", "1.0"), (first.GetProperty("keyword").GetString(), first.GetProperty("score").GetDouble(),
            first.GetProperty("models")[0].GetProperty("name").GetString(), first.GetProperty("models")[0].GetProperty("version").GetString()));
        Assert.Equal(speech.Length / 32_000.0, first.GetProperty("durationSec").GetDouble(), 3);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("labels").ValueKind);

        HttpResponseMessage audio = await labeler.GetAsync($"/api/clips/{sent[0].ClipId}/audio", Ct);
        Assert.Equal("audio/wav", audio.Content.Headers.ContentType!.MediaType);
        AssertWav(await audio.Content.ReadAsByteArrayAsync(Ct), speech);
        Assert.Equal(HttpStatusCode.NotFound, (await labeler.GetAsync("/api/clips/nope/audio", Ct)).StatusCode);
        JsonElement audit = await _cloud.Api.GetJsonAsync("/api/audit");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "clip.listen" && a.GetProperty("actor").GetString() == labelerName
            && a.GetProperty("target").GetString() == sent[0].ClipId);

        // Labels: three right, one false accept, and the random sample with the keyword in it.
        HttpResponseMessage badLabel = await labeler.PostAsJsonAsync($"/api/clips/{sent[0].ClipId}/labels", new { keywords = new[] { "hey_jarvis" }, speech = false }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badLabel.StatusCode);
        Assert.Contains("speech must be true", await badLabel.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadRequest, (await labeler.PostAsJsonAsync($"/api/clips/{sent[0].ClipId}/labels", new { speech = true }, Ct)).StatusCode);
        using var badLabels = new StringContent("{\"keywords\": \"hey_jarvis\", \"speech\": true}", Encoding.UTF8, "application/json");
        HttpResponseMessage unreadableLabels = await labeler.PostAsync($"/api/clips/{sent[0].ClipId}/labels", badLabels, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unreadableLabels.StatusCode);
        Assert.Contains("not {keywords: [..], speech: true|false}", await unreadableLabels.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await labeler.PostAsJsonAsync("/api/clips/nope/labels", new { keywords = Array.Empty<string>(), speech = true }, Ct)).StatusCode);
        for (int i = 0; i < 5; i++)
        {
            string[] said = i == 3 ? [] : ["hey_jarvis"];
            HttpResponseMessage labelled = await labeler.PostAsJsonAsync($"/api/clips/{sent[i].ClipId}/labels", new { keywords = said, speech = true }, Ct);
            Assert.Equal(HttpStatusCode.OK, labelled.StatusCode);
        }

        JsonElement labels = (await labeler.GetJsonAsync("/api/clips?labelled=true")).EnumerateArray().First(c => c.GetProperty("id").GetString() == sent[0].ClipId).GetProperty("labels");
        Assert.Equal((labelerName, "hey_jarvis"), (labels.GetProperty("by").GetString(), labels.GetProperty("keywords")[0].GetString()));

        // Quality (viewer): precision 3 of 4 with its Wilson interval; recall 1 of 1 (the random sample overlaps a detection).
        JsonElement quality = await viewer.GetJsonAsync("/api/quality?groupBy=micModel&model=hey_jarvis");
        JsonElement row = Assert.Single(quality.EnumerateArray());
        Proportion precision = Proportion.Wilson(3, 4);
        Assert.Equal(("mic-a", "hey_jarvis", "1.0", 4), (row.GetProperty("group").GetString(), row.GetProperty("model").GetString(), row.GetProperty("version").GetString(), row.GetProperty("labelledDetections").GetInt32()));
        Assert.Equal(0.75, row.GetProperty("precision").GetDouble(), 10);
        Assert.Equal(precision.Low, row.GetProperty("precisionLow").GetDouble(), 10);
        Assert.Equal(precision.High, row.GetProperty("precisionHigh").GetDouble(), 10);
        Assert.Equal((1.0, 1), (row.GetProperty("recall").GetDouble(), row.GetProperty("recallSamples").GetInt32()));
        Assert.Equal(JsonValueKind.Null, row.GetProperty("falseAcceptsPerHour").ValueKind); // no window summaries: no audio hours
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/quality?groupBy=colour&model=hey_jarvis", Ct)).StatusCode);
        string range = $"since={Uri.EscapeDataString(t0.AddMinutes(-30).ToString("O"))}&until={Uri.EscapeDataString(t0.AddMinutes(30).ToString("O"))}";
        JsonElement buckets = await viewer.GetJsonAsync($"/api/quality?groupBy=micModel&model=hey_jarvis&{range}&bucketHours=0.5");
        JsonElement bucket = Assert.Single(buckets.EnumerateArray()); // the first half hour has no clip
        Assert.Equal((t0, 4), (bucket.GetProperty("from").GetDateTimeOffset(), bucket.GetProperty("labelledDetections").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync($"/api/quality?model=hey_jarvis&{range}&bucketHours=0.0001", Ct)).StatusCode);

        // Export (labeler): a zip of the five labelled clips, their manifest and WAVs; another cohort's is empty.
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/datasets/export?model=hey_jarvis", Ct)).StatusCode);
        HttpResponseMessage export = await labeler.GetAsync("/api/datasets/export?model=hey_jarvis&groupBy=micModel&group=mic-a", Ct);
        Assert.Equal("application/zip", export.Content.Headers.ContentType!.MediaType);
        using (var zip = new ZipArchive(new MemoryStream(await export.Content.ReadAsByteArrayAsync(Ct)), ZipArchiveMode.Read))
        {
            List<JsonElement> manifest = ReadLines(zip.GetEntry("manifest.jsonl")!);
            Assert.Equal(sent.OrderBy(m => m.At).Select(m => m.ClipId), manifest.Select(l => l.GetProperty("id").GetString()));
            JsonElement line = manifest.Single(l => l.GetProperty("id").GetString() == sent[3].ClipId); // the false accept
            Assert.Equal(0, line.GetProperty("keywords").GetArrayLength());
            Assert.Equal(("detection", "kiosk-1", "mic-a", "consented"), (line.GetProperty("trigger").GetString(), line.GetProperty("deviceId").GetString(),
                line.GetProperty("deviceLabels").GetProperty("micModel").GetString(), line.GetProperty("deviceLabels").GetProperty("site").GetString()));
            Assert.Equal(("hey_jarvis", "1.0"), (line.GetProperty("models")[0].GetProperty("name").GetString(), line.GetProperty("models")[0].GetProperty("version").GetString()));
            foreach (JsonElement l in manifest)
            {
                using var wav = new MemoryStream();
                await using (Stream entry = await zip.GetEntry(l.GetProperty("file").GetString()!)!.OpenAsync(Ct))
                {
                    await entry.CopyToAsync(wav, Ct);
                }

                AssertWav(wav.ToArray(), speech);
            }
        }

        using var empty = new ZipArchive(new MemoryStream(await labeler.GetByteArrayAsync("/api/datasets/export?model=hey_jarvis&groupBy=micModel&group=mic-b", Ct)), ZipArchiveMode.Read);
        Assert.Empty(ReadLines(empty.GetEntry("manifest.jsonl")!));
        Assert.Equal(HttpStatusCode.BadRequest, (await labeler.GetAsync("/api/datasets/export", Ct)).StatusCode);

        // Purge on request (operators): one clip, then the rest of the device's.
        Assert.Equal(HttpStatusCode.Forbidden, (await labeler.DeleteAsync($"/api/clips/{sent[0].ClipId}", Ct)).StatusCode);
        Assert.Equal(1, (await (await _cloud.Api.DeleteAsync($"/api/clips/{sent[0].ClipId}", Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("deleted").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await labeler.GetAsync($"/api/clips/{sent[0].ClipId}/audio", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _cloud.Api.DeleteAsync("/api/clips", Ct)).StatusCode);
        Assert.Equal(4, (await (await _cloud.Api.DeleteAsync("/api/clips?deviceId=kiosk-1", Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("deleted").GetInt32());
        Assert.Empty((await labeler.GetJsonAsync("/api/clips")).EnumerateArray());
        Assert.Contains((await _cloud.Api.GetJsonAsync("/api/audit")).EnumerateArray(), a => a.GetProperty("action").GetString() == "clips.delete" && a.GetProperty("target").GetString() == "kiosk-1");
    }

    public void Dispose() => _cloud.Dispose();

    private static void AssertWav(byte[] wav, byte[] pcm)
    {
        using WavReader reader = WavReader.Open(new MemoryStream(wav), "clip.wav");
        Assert.Equal(new AudioFormat(16_000, 1), reader.Format);
        Assert.Equal(pcm.Length / 2, reader.TotalFrames);
        Assert.Equal(pcm, wav[44..]);
    }

    private static List<JsonElement> ReadLines(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}
