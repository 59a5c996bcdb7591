using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Audio;
using EdgeAgent.TestSupport;

namespace EdgeCloud.Tests.Clips;

/// <summary>What clip tests against the real cloud do: API keys, device clients, the policy, synthesised speech as PCM, sealed uploads.</summary>
internal static class ClipFleet
{
    public static object ConsentedPolicy(int perHour) => new
    {
        target = new { labels = new { site = "consented" } }, enabled = true,
        triggers = new { detections = true, nearMiss = new { low = 0.3 }, randomSpeech = new { rate = 0.2 }, duringDriftAlarm = true },
        maxClipsPerHour = perHour, retentionDays = 7,
    };

    public static ClipMetadata Metadata(string deviceId, DateTimeOffset at, string trigger, int pcmBytes) => new()
    {
        ClipId = Guid.NewGuid().ToString("n"), DeviceId = deviceId, At = at, Trigger = trigger,
        Keyword = trigger == ClipTrigger.Detection ? "hey_jarvis" : null, Score = trigger == ClipTrigger.Detection ? 0.91 : null, Threshold = 0.5,
        Models = [new ModelRef { Name = "hey_jarvis", Version = "1.0", Slot = "active" }, new ModelRef { Name = "silero_vad", Version = "v5", Slot = "active" }],
        DurationSec = pcmBytes / 32_000.0,
    };

    /// <summary>"hey jarvis" (espeak-ng, resampled by sox to 16 kHz) as 16-bit PCM.</summary>
    public static byte[] Speech()
    {
        SpeechClip utterance = SpeechCorpus.KeywordClips.First(c => c.Keyword == "hey_jarvis" && !c.Noisy);
        string path = SpeechCorpus.Make($"clip-16k-{Path.GetFileName(utterance.Path)}", p => SpeechCorpus.Sox(utterance.Path, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", p));
        using WavReader reader = WavReader.Open(path);
        Assert.Equal(new AudioFormat(16_000, 1), reader.Format);
        float[] samples = reader.ReadAll();
        byte[] pcm = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(pcm.AsSpan(2 * i), (short)Math.Clamp(MathF.Round(samples[i] * 32768f), -32768, 32767));
        }

        return pcm;
    }

    public static async Task<HttpResponseMessage> PostClipAsync(this HttpClient device, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await device.PostAsync("/api/device/clips", content, TestContext.Current.CancellationToken);
    }

    public static async Task<ClipPolicy> PolicyOfAsync(this HttpClient device) =>
        (await device.GetFromJsonAsync("/api/device/clips/policy", ContractsJsonContext.Default.ClipPolicy, TestContext.Current.CancellationToken))!;

    public static async Task<string> NewKeyAsync(this CloudProcess cloud, string name, string role)
    {
        HttpResponseMessage response = await cloud.Api.PostAsJsonAsync("/api/apikeys", new { name, role }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("apiKey").GetString()!;
    }

    public static HttpClient KeyClient(this CloudProcess cloud, string key)
    {
        var client = new HttpClient { BaseAddress = cloud.Api.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public static HttpClient DeviceClient(this CloudProcess cloud, string id, string password) => new()
    {
        BaseAddress = cloud.Api.BaseAddress,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{id}:{password}"))) },
    };
}
