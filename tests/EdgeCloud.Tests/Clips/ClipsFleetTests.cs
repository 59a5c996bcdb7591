using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;
using EdgeCloud.Quality;
using EdgeCloud.Tests.Rollouts;

namespace EdgeCloud.Tests.Clips;

/// <summary>
/// Ground truth end to end: real agents hearing synthetic speech, the real cloud, its clip policy, people's labels
/// through the API — which devices send clips, what the cloud plays back, the quality the labels measure, and a canary
/// that waits for labels.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClipsFleetTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);
    private static readonly Dictionary<string, string> s_fastPolicy = new() { ["EdgeAgent__Clips__PolicyRefreshSeconds"] = "5" };

    [Fact]
    public async Task APolicyForOneSite_OnlyItsDevicesSendClips_WithinQuota_AndLabelsMeasureTheirPrecision()
    {
        using var fleet = new RolloutFleet();
        await fleet.RegisterAsync("lobby-1", "lobby");
        await fleet.RegisterAsync("dock-1", "dock");
        await PutPolicyAsync(fleet, new { target = new { labels = new { site = "lobby" } }, enabled = true, triggers = new { detections = true }, maxClipsPerHour = 3, retentionDays = 7 });
        AgentProcess lobby = await fleet.StartAsync("lobby-1", s_fastPolicy);
        AgentProcess dock = await fleet.StartAsync("dock-1", s_fastPolicy);
        using HttpClient labeler = fleet.Cloud.KeyClient(await fleet.Cloud.NewKeyAsync("ann", "labeler"));

        // The loop says "hey jarvis" four times in ~25 s: the lobby device is held to 3 clips an hour.
        List<JsonElement> clips = await EventuallyAsync(() => ClipsAsync(labeler, "lobby-1"), c => c.Count >= 3, fleet);
        await Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken); // another loop: more detections, no more clips
        clips = await ClipsAsync(labeler, "lobby-1");
        Assert.Equal(3, clips.Count);
        Assert.Empty(await ClipsAsync(labeler, "dock-1"));
        Assert.Contains("Detected hey_jarvis", dock.Output); // it heard the keyword too, and kept it to itself
        Assert.Contains("Clip policy v", dock.Output);
        Assert.Contains(": off", dock.Output);

        foreach (JsonElement clip in clips)
        {
            Assert.Equal(("detection", "hey_jarvis"), (clip.GetProperty("trigger").GetString(), clip.GetProperty("keyword").GetString()));
            Assert.Contains(clip.GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "hey_jarvis");
            Assert.Contains(clip.GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "silero_vad" && m.GetProperty("version").GetString() == "v5");
        }

        // What a labeler hears: a WAV of the stated length, 16 kHz mono 16-bit, with the speech in it.
        JsonElement first = clips[0];
        using HttpResponseMessage audio = await labeler.GetAsync($"/api/clips/{first.GetProperty("id").GetString()}/audio", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
        Assert.Equal("audio/wav", audio.Content.Headers.ContentType?.MediaType);
        byte[] wav = await audio.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        (int rate, int channels, int bits, short[] samples) = ReadWav(wav);
        Assert.Equal((16_000, 1, 16), (rate, channels, bits));
        Assert.Equal(first.GetProperty("durationSec").GetDouble(), samples.Length / 16_000.0, 2);
        Assert.InRange(samples.Length / 16_000.0, 2.0, 2.6); // 1.5 s before the detection, 1 s after
        Assert.True(samples.Max(s => Math.Abs((int)s)) > 3000, "no speech in the clip");

        // Two right, one wrong: precision 2/3 with its Wilson interval, for the lobby only.
        for (int i = 0; i < clips.Count; i++)
        {
            using HttpResponseMessage labelled = await labeler.PostAsJsonAsync(
                $"/api/clips/{clips[i].GetProperty("id").GetString()}/labels", new { keywords = i < 2 ? new[] { "hey_jarvis" } : [], speech = true }, TestContext.Current.CancellationToken);
            Assert.True(labelled.IsSuccessStatusCode, await labelled.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        JsonElement[] quality = (await fleet.Cloud.Api.GetFromJsonAsync<JsonElement>("/api/quality?groupBy=site&model=hey_jarvis", TestContext.Current.CancellationToken)).EnumerateArray().ToArray();
        output.WriteLine(string.Join("\n", quality.Select(q => q.ToString())));
        JsonElement row = quality.Single(q => q.GetProperty("group").GetString() == "lobby");
        Proportion expected = Proportion.Wilson(2, 3);
        Assert.Equal(3, row.GetProperty("labelledDetections").GetInt64());
        Assert.Equal(2.0 / 3, row.GetProperty("precision").GetDouble(), 3);
        Assert.Equal(expected.Low, row.GetProperty("precisionLow").GetDouble(), 3);
        Assert.Equal(expected.High, row.GetProperty("precisionHigh").GetDouble(), 3);
        Assert.DoesNotContain(quality, q => q.GetProperty("group").GetString() == "dock" && q.GetProperty("labelledDetections").GetInt64() > 0);
    }

    [Fact]
    public async Task ACanaryGatedOnLabelledPrecision_WaitsForLabels_ThenCompletes()
    {
        using var fleet = new RolloutFleet();
        InstalledModel jarvis = RolloutFleet.TestModels.Find("hey_jarvis");
        await fleet.UploadAsync("hey_jarvis", "0.2", jarvis); // the same head as a new version: it detects as well
        await fleet.RegisterAsync("kiosk-1", "lobby");
        await PutPolicyAsync(fleet, new { target = "all", enabled = true, triggers = new { detections = true }, maxClipsPerHour = 60, retentionDays = 7 });
        await fleet.StartAsync("kiosk-1", s_fastPolicy);
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-1", "hey_jarvis", jarvis.Version, s_timeout));
        using HttpClient labeler = fleet.Cloud.KeyClient(await fleet.Cloud.NewKeyAsync("ann", "labeler"));

        string id = await fleet.CreateRolloutAsync(new
        {
            model = "hey_jarvis", version = "0.2", target = "all", strategy = "canary",
            stages = new[] { new { percent = 100, bakeSeconds = 2, requireApproval = false } },
            gates = new { minDevices = 1, minSamples = 1, maxErrorRate = 0, minPrecision = 0.8, minLabelled = 2 }, deviceDeadlineSeconds = 120,
        });

        // Serving the candidate, past its bake, the stage waits for people.
        List<JsonElement> candidates = await EventuallyAsync(
            async () => (await ClipsAsync(labeler, "kiosk-1")).Where(c => c.GetProperty("models").EnumerateArray().Any(m => m.GetProperty("name").GetString() == "hey_jarvis" && m.GetProperty("version").GetString() == "0.2")).ToList(),
            c => c.Count >= 2, fleet);
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        JsonElement waiting = await fleet.RolloutAsync(id);
        output.WriteLine(waiting.ToString());
        Assert.Equal("running", waiting.GetProperty("state").GetString());

        foreach (JsonElement clip in candidates.Take(2))
        {
            (await labeler.PostAsJsonAsync($"/api/clips/{clip.GetProperty("id").GetString()}/labels", new { keywords = new[] { "hey_jarvis" }, speech = true }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        JsonElement done = await fleet.WaitForStateAsync(id, "completed", s_timeout);
        output.WriteLine(done.ToString());
        Assert.Contains(done.GetProperty("history").EnumerateArray(), h => h.GetProperty("reason").GetString()!.Contains("labelled precision", StringComparison.Ordinal));
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-1", "hey_jarvis", "0.2", s_timeout));
    }

    private static async Task PutPolicyAsync(RolloutFleet fleet, object policy)
    {
        using HttpResponseMessage put = await fleet.Cloud.Api.PutAsJsonAsync("/api/clips/policy", policy, TestContext.Current.CancellationToken);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<List<JsonElement>> ClipsAsync(HttpClient labeler, string deviceId) =>
        (await labeler.GetFromJsonAsync<JsonElement>($"/api/clips?deviceId={deviceId}&limit=100", TestContext.Current.CancellationToken)).EnumerateArray().ToList();

    private static async Task<List<JsonElement>> EventuallyAsync(Func<Task<List<JsonElement>>> read, Func<List<JsonElement>, bool> done, RolloutFleet fleet)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            List<JsonElement> value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(clock.Elapsed < s_timeout, $"timed out with {value.Count} clips\n{fleet.Logs}");
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A PCM WAV's format and samples (the chunks a RIFF reader must walk: fmt, then data).</summary>
    private static (int Rate, int Channels, int Bits, short[] Samples) ReadWav(byte[] wav)
    {
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal("WAVE", System.Text.Encoding.ASCII.GetString(wav, 8, 4));
        Assert.Equal(wav.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(4)));
        int rate = 0, channels = 0, bits = 0;
        for (int at = 12; at + 8 <= wav.Length;)
        {
            string id = System.Text.Encoding.ASCII.GetString(wav, at, 4);
            int size = BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(at + 4));
            if (id == "fmt ")
            {
                Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(at + 8))); // PCM
                channels = BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(at + 10));
                rate = BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(at + 12));
                bits = BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(at + 22));
            }
            else if (id == "data")
            {
                Assert.Equal(wav.Length - at - 8, size);
                short[] samples = new short[size / 2];
                Buffer.BlockCopy(wav, at + 8, samples, 0, size);
                return (rate, channels, bits, samples);
            }

            at += 8 + size + (size & 1);
        }

        throw new Xunit.Sdk.XunitException("the WAV has no data chunk");
    }
}
