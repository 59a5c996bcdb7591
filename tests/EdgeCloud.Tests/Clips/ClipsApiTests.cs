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
        using HttpClient viewer = Client(await NewKeyAsync("wall", "viewer"));
        using HttpClient kiosk = Device("kiosk-1", kioskPassword);
        using HttpClient other = Device("kiosk-2", otherPassword);

        ClipPolicy before = await PolicyOfAsync(kiosk);
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

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync("/api/clips/policy", ConsentedPolicy(5), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _cloud.Api.PutAsJsonAsync("/api/clips/policy", ConsentedPolicy(5), Ct)).StatusCode);

        JsonElement shown = await viewer.GetJsonAsync("/api/clips/policy");
        Assert.Equal("consented", shown.GetProperty("target").GetProperty("labels").GetProperty("site").GetString());
        Assert.Equal(0.2, shown.GetProperty("triggers").GetProperty("randomSpeech").GetProperty("rate").GetDouble());
        ClipPolicy on = await PolicyOfAsync(kiosk);
        ClipPolicy off = await PolicyOfAsync(other);
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
        await _cloud.Api.PutAsJsonAsync("/api/clips/policy", ConsentedPolicy(3), Ct); // 3 + 2 slack = 5 an hour
        using HttpClient kiosk = Device("kiosk-1", password);
        using HttpClient other = Device("kiosk-2", otherPassword);
        string labelerName = "ann-" + Guid.NewGuid().ToString("n")[..6];
        using HttpClient labeler = Client(await NewKeyAsync(labelerName, "labeler"));
        using HttpClient viewer = Client(await NewKeyAsync("wall", "viewer"));
        byte[] key = Convert.FromBase64String((await PolicyOfAsync(kiosk)).PublicKey!);
        SpeechClip utterance = SpeechCorpus.KeywordClips.First(c => c.Keyword == "hey_jarvis" && !c.Noisy);
        byte[] speech = Pcm16(SpeechCorpus.Make($"clip-16k-{Path.GetFileName(utterance.Path)}", p => SpeechCorpus.Sox(utterance.Path, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", p)));

        // Four detections and a random speech sample; then the quota.
        DateTimeOffset t0 = DateTimeOffset.UtcNow.AddMinutes(-30);
        var sent = new List<ClipMetadata>();
        for (int i = 0; i < 5; i++)
        {
            ClipMetadata m = i < 4
                ? Metadata("kiosk-1", t0.AddSeconds(10 * i), ClipTrigger.Detection, speech.Length)
                : Metadata("kiosk-1", t0.AddSeconds(20.5), ClipTrigger.RandomSpeech, speech.Length); // overlaps the third detection
            byte[] sealedClip = ClipEnvelope.Seal(m, speech, key);
            HttpResponseMessage created = await PostClipAsync(kiosk, sealedClip);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(m.ClipId, (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString());
            HttpResponseMessage retried = await PostClipAsync(kiosk, sealedClip);
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode); // idempotent: a device retrying after a crash
            sent.Add(m);
        }

        HttpResponseMessage over = await PostClipAsync(kiosk, ClipEnvelope.Seal(Metadata("kiosk-1", t0, ClipTrigger.Detection, speech.Length), speech, key));
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.NotNull(over.Headers.RetryAfter);

        HttpResponseMessage impostor = await PostClipAsync(kiosk, ClipEnvelope.Seal(Metadata("kiosk-2", t0, ClipTrigger.Detection, speech.Length), speech, key));
        Assert.Equal(HttpStatusCode.BadRequest, impostor.StatusCode);
        Assert.Contains("'kiosk-2'", await impostor.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Forbidden, (await PostClipAsync(other, ClipEnvelope.Seal(Metadata("kiosk-2", t0, ClipTrigger.Detection, speech.Length), speech, key))).StatusCode);
        HttpResponseMessage garbage = await PostClipAsync(kiosk, Encoding.UTF8.GetBytes("definitely not a clip"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("not a clip envelope", await garbage.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostClipAsync(kiosk, new byte[(2 * 1024 * 1024) + 1])).StatusCode);
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
    }

    public void Dispose() => _cloud.Dispose();

    private static object ConsentedPolicy(int perHour) => new
    {
        target = new { labels = new { site = "consented" } }, enabled = true,
        triggers = new { detections = true, nearMiss = new { low = 0.3 }, randomSpeech = new { rate = 0.2 }, duringDriftAlarm = true },
        maxClipsPerHour = perHour, retentionDays = 7,
    };

    private static ClipMetadata Metadata(string deviceId, DateTimeOffset at, string trigger, int pcmBytes) => new()
    {
        ClipId = Guid.NewGuid().ToString("n"), DeviceId = deviceId, At = at, Trigger = trigger,
        Keyword = trigger == ClipTrigger.Detection ? "hey_jarvis" : null, Score = trigger == ClipTrigger.Detection ? 0.91 : null, Threshold = 0.5,
        Models = [new ModelRef { Name = "hey_jarvis", Version = "1.0", Slot = "active" }, new ModelRef { Name = "silero_vad", Version = "v5", Slot = "active" }],
        DurationSec = pcmBytes / 32_000.0,
    };

    private static async Task<HttpResponseMessage> PostClipAsync(HttpClient device, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await device.PostAsync("/api/device/clips", content, Ct);
    }

    private static async Task<ClipPolicy> PolicyOfAsync(HttpClient device) =>
        (await device.GetFromJsonAsync("/api/device/clips/policy", ContractsJsonContext.Default.ClipPolicy, Ct))!;

    private static byte[] Pcm16(string wavPath)
    {
        using WavReader reader = WavReader.Open(wavPath);
        Assert.Equal(new AudioFormat(16_000, 1), reader.Format);
        float[] samples = reader.ReadAll();
        byte[] pcm = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(pcm.AsSpan(2 * i), (short)Math.Clamp(MathF.Round(samples[i] * 32768f), -32768, 32767));
        }

        return pcm;
    }

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

    private async Task<string> NewKeyAsync(string name, string role)
    {
        HttpResponseMessage response = await _cloud.Api.PostAsJsonAsync("/api/apikeys", new { name, role }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("apiKey").GetString()!;
    }

    private HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = _cloud.Api.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private HttpClient Device(string id, string password) => new()
    {
        BaseAddress = _cloud.Api.BaseAddress,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{id}:{password}"))) },
    };
}
