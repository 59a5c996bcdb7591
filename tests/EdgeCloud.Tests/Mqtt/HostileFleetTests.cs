using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.TestSupport;
using EdgeCloud.Tests.Fleet;
using MQTTnet;

namespace EdgeCloud.Tests.Mqtt;

/// <summary>
/// Honest devices keep reporting while hostile clients run every attack at once, against the real edge-cloud
/// process: oversized CONNECTs before authentication, idle half-open connections, an oversized packet after it,
/// poisoned windows (nulls, long ids, NULs, overflowing frame counts, keyword floods), label claims, a session
/// take-over attempt and a flood. Every honest window is stored exactly once, the cloud's memory and the API's latency
/// stay bounded, and every refusal is counted by reason.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HostileFleetTests(ITestOutputHelper output) : IDisposable
{
    private const int Honest = 4;
    private const int WindowsEach = 40;
    private const int OversizedConnects = 48;
    private const int IdleSockets = 160;
    private const long RssGrowthBound = 256L * 1024 * 1024;
    private static readonly TimeSpan s_apiBound = TimeSpan.FromSeconds(3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly Rollouts.RolloutFleet _fleet = new(new CloudProcess(null, "--EdgeCloud:Mqtt:ConnectTimeoutSeconds=3", "--EdgeCloud:Mqtt:MaxPendingConnections=128"), null);

    [Fact]
    public async Task EveryAttackAtOnce_HonestDevicesLoseNothing_MemoryAndLatencyStayBounded_RefusalsAreCountedByReason()
    {
        // A real agent (audio, VAD, keywords, drift, outbox, MQTT link) reporting a window every 5 s throughout.
        await _fleet.RegisterAsync("agent-1", "north");
        await _fleet.StartAsync("agent-1");
        Assert.True(await FleetApiClient.EventuallyAsync(async () => (await _fleet.Cloud.Api.SeqsAsync("agent-1")).Count >= 1, TimeSpan.FromSeconds(60)), "the real agent's first window");
        int agentBefore = (await _fleet.Cloud.Api.SeqsAsync("agent-1")).Count;

        var honest = new List<TestDevice>();
        for (int i = 0; i < Honest; i++)
        {
            string password = await _fleet.Cloud.RegisterAsync($"honest-{i}", new { site = "north" });
            (TestDevice d, string result) = await TestDevice.ConnectAsync(_fleet.Cloud.MqttPort, $"honest-{i}", password);
            Assert.Equal("Success", result);
            honest.Add(d);
        }

        string poisonPassword = await _fleet.Cloud.RegisterAsync("poison", new { site = "south" });
        (TestDevice poison, _) = await TestDevice.ConnectAsync(_fleet.Cloud.MqttPort, "poison", poisonPassword);
        string rawPassword = await _fleet.Cloud.RegisterAsync("raw", new { site = "south" });
        (TcpClient raw, byte rawCode) = await RawMqtt.ConnectAsync(_fleet.Cloud.MqttPort, "raw", rawPassword);
        Assert.Equal(0, rawCode);

        // A session take-over: another device's password under an honest id (before the idle sockets fill the front).
        (TestDevice thief, string takeover) = await TestDevice.ConnectAsync(_fleet.Cloud.MqttPort, "honest-0", poisonPassword);
        await thief.DisposeAsync();
        Assert.Contains("BadUserNameOrPassword", takeover);

        long baseline = _fleet.Cloud.ResidentBytes;
        long peak = baseline;
        TimeSpan slowest = TimeSpan.Zero;
        using var attacking = new CancellationTokenSource();
        Task watch = Task.Run(async () =>
        {
            while (!attacking.IsCancellationRequested)
            {
                peak = Math.Max(peak, _fleet.Cloud.ResidentBytes);
                var clock = Stopwatch.StartNew();
                (await _fleet.Cloud.Api.GetAsync("/api/devices")).EnsureSuccessStatusCode();
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
                await Task.Delay(100, Ct);
            }
        }, Ct);

        // The attacks, all at once.
        Task oversized = Task.WhenAll(Enumerable.Range(0, OversizedConnects).Select(_ => OversizedConnectAsync()));
        var idle = new List<TcpClient>();
        Task idling = Task.Run(async () =>
        {
            for (int i = 0; i < IdleSockets; i++)
            {
                var c = new TcpClient();
                await c.ConnectAsync("127.0.0.1", _fleet.Cloud.MqttPort, Ct);
                idle.Add(c);
            }
        }, Ct);
        Task<bool> packetCut = OversizedPublishAsync(raw);
        Task<int> poisoned = PoisonAsync(poison);
        // Meanwhile the honest devices report as usual.
        MqttClientPublishResult[][] acks = await Task.WhenAll(honest.Select(async d =>
        {
            var results = new List<MqttClientPublishResult>();
            for (ulong seq = 1; seq <= WindowsEach; seq++)
            {
                results.Add(await d.PublishSummaryAsync(seq));
                await Task.Delay(25);
            }

            return results.ToArray();
        }));

        await oversized;
        await idling;
        int poisonCount = await poisoned;
        Assert.True(await packetCut, "the front must close a connection whose packet declares 255 MiB");
        await Task.Delay(TimeSpan.FromSeconds(4), Ct); // the idle sockets' connect timeout passes
        await attacking.CancelAsync();
        await watch;
        idle.ForEach(c => c.Dispose());
        raw.Dispose();

        // Honest devices: every window acknowledged and stored exactly once, no gap.
        Assert.All(acks.SelectMany(a => a), a => Assert.True(a.IsSuccess, $"{a.ReasonCode} {a.ReasonString}"));
        for (int i = 0; i < Honest; i++)
        {
            Assert.Equal(Enumerable.Range(1, WindowsEach).Select(s => (ulong)s), await _fleet.Cloud.Api.SeqsAsync($"honest-{i}"));
        }

        // The real agent: its windows kept coming, each stored once, no gap (its outbox holds any it could not send).
        Assert.True(await FleetApiClient.EventuallyAsync(async () => (await _fleet.Cloud.Api.SeqsAsync("agent-1")).Count >= agentBefore + 2, TimeSpan.FromSeconds(30)), "the real agent kept reporting");
        List<ulong> agentSeqs = await _fleet.Cloud.Api.SeqsAsync("agent-1");
        Assert.Equal(Enumerable.Range(1, agentSeqs.Count).Select(s => (ulong)s), agentSeqs.Order());

        // Labels are the registry's, whatever the birth claimed.
        JsonElement poisonView = await _fleet.Cloud.Api.GetJsonAsync("/api/devices/poison");
        Assert.Equal("south", poisonView.GetProperty("labels").GetProperty("site").GetString());
        Assert.Empty(await _fleet.Cloud.Api.SeqsAsync("poison"));

        JsonElement rejected = (await _fleet.Cloud.Api.GetJsonAsync("/api/ingest/stats")).GetProperty("rejected");
        output.WriteLine($"rejected: {rejected}");
        output.WriteLine($"RSS: baseline {baseline / 1e6:F0} MB, peak {peak / 1e6:F0} MB (+{(peak - baseline) / 1e6:F0} MB); slowest API answer {slowest.TotalMilliseconds:F0} ms");
        Assert.Equal(poisonCount, rejected.GetProperty("invalid").GetInt32());
        Assert.Equal(OversizedConnects, rejected.GetProperty("mqtt-connect-too-large").GetInt32());
        Assert.Equal(1, rejected.GetProperty("mqtt-packet-too-large").GetInt32());
        Assert.True(rejected.GetProperty("mqtt-connect-timeout").GetInt32() + rejected.GetProperty("mqtt-too-many-pending").GetInt32() >= IdleSockets);
        Assert.True(peak - baseline < RssGrowthBound, $"the cloud grew by {(peak - baseline) / 1e6:F0} MB under attack");
        Assert.True(slowest < s_apiBound, $"the API took {slowest.TotalMilliseconds:F0} ms under attack");

        foreach (TestDevice d in honest)
        {
            await d.DisposeAsync();
        }

        await poison.DisposeAsync();
    }

    [Fact]
    public async Task NamesWithATrailingNewline_AndBadCommandBodies_AreRefusedWith400()
    {
        HttpResponseMessage newline = await _fleet.Cloud.Api.PostAsJsonAsync("/api/devices", new { deviceId = "nl-dev\n", labels = new { site = "s" } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, newline.StatusCode);
        Assert.DoesNotContain("nl-dev", (await _fleet.Cloud.Api.GetJsonAsync("/api/devices")).ToString());

        await _fleet.Cloud.RegisterAsync("cmd-dev", new { site = "s" });
        HttpResponseMessage ok = await _fleet.Cloud.Api.PostAsync("/api/devices/cmd-dev/commands/ping", Json("""{"ttlSeconds": 60, "args": {"x": 1}}"""), Ct);
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        JsonElement command = await ok.Content.ReadFromJsonAsync<JsonElement>(Ct);
        TimeSpan ttl = command.GetProperty("expiresAt").GetDateTimeOffset() - command.GetProperty("createdAt").GetDateTimeOffset();
        Assert.Equal(60, ttl.TotalSeconds, 1); // camelCase is bound, not ignored (it was always 300 s)

        HttpResponseMessage pascal = await _fleet.Cloud.Api.PostAsync("/api/devices/cmd-dev/commands/ping", Json("""{"TtlSeconds": 90}"""), Ct);
        Assert.Equal(HttpStatusCode.Accepted, pascal.StatusCode);

        foreach (string bad in new[] { "{", """{"ttlSeconds": "soon"}""", """{"ttlSeconds": 0}""", """{"ttlSeconds": 99999999}""", "[1,2]" })
        {
            HttpResponseMessage response = await _fleet.Cloud.Api.PostAsync("/api/devices/cmd-dev/commands/ping", Json(bad), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {response.StatusCode}");
        }
    }

    public void Dispose()
    {
        output.WriteLine(_fleet.Cloud.Output.Length > 6000 ? _fleet.Cloud.Output[^6000..] : _fleet.Cloud.Output);
        _fleet.Dispose();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A CONNECT declaring 255 MiB, then a megabyte of it: the front must close before buffering any.</summary>
    private async Task OversizedConnectAsync()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _fleet.Cloud.MqttPort);
        NetworkStream stream = client.GetStream();
        try
        {
            await stream.WriteAsync(RawMqtt.Header(0x10, 268_435_455));
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 16; i++)
            {
                await stream.WriteAsync(chunk);
            }

            await stream.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false); // 0: closed
        }
        catch (IOException)
        {
            // Reset by the front: what we want.
        }
    }

    /// <summary>An authenticated client declares a 255 MiB PUBLISH; true when the connection is closed.</summary>
    private static async Task<bool> OversizedPublishAsync(TcpClient client)
    {
        NetworkStream stream = client.GetStream();
        try
        {
            await stream.WriteAsync(RawMqtt.Header(0x32, 268_435_455));
            await stream.WriteAsync(new byte[64 * 1024]);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            return await stream.ReadAsync(new byte[16], timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Sends every kind of poisoned message; returns how many were sent (each must be refused as invalid).</summary>
    private static async Task<int> PoisonAsync(TestDevice poison)
    {
        string empty = Convert.ToBase64String(ProfileCodec.Encode(new SignalProfile()));
        var flood = new SignalProfile();
        for (int i = 0; i < 3000; i++)
        {
            flood.Predictions.Keyword($"kw{i}");
        }

        string keywordFlood = Convert.ToBase64String(ProfileCodec.Encode(flood));
        string overflow = Convert.ToBase64String(RawMqtt.Profile(long.MaxValue, long.MaxValue));
        string tooManyFrames = Convert.ToBase64String(RawMqtt.Profile(1_000_000, 0)); // 32,000 s in a one-minute window
        string start = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"), end = DateTimeOffset.UtcNow.ToString("O");
        string Window(ulong seq, string profile, string extra = "", string bootId = "boot") =>
            $$"""{"schemaVersion":1,"bootId":"{{bootId}}","seq":{{seq}},"windowStart":"{{start}}","windowEnd":"{{end}}","profile":"{{profile}}"{{extra}}}""";

        string summary = Topics.For("poison", Topics.Summary);
        int sent = 0;
        for (ulong round = 0; round < 8; round++)
        {
            ulong seq = (round * 10) + 1;
            string[] windows =
            [
                Window(seq, empty, ""","detections":null"""),
                Window(seq + 1, empty, bootId: new string('b', 2000)),
                Window(seq + 2, empty, ""","detections":{"a\u0000b":1}"""),
                Window(seq + 3, overflow),
                Window(seq + 4, keywordFlood),
                Window(seq + 5, tooManyFrames),
                Window(18_446_744_073_709_551_615, empty),
                $$"""{"schemaVersion":1,"bootId":"boot","seq":{{seq + 6}},"windowStart":"{{end}}","windowEnd":"{{start}}","profile":"{{empty}}"}""",
            ];
            foreach (string w in windows)
            {
                MqttClientPublishResult result = await poison.PublishAsync(summary, Encoding.UTF8.GetBytes(w));
                Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
                sent++;
            }

            // A birth that claims another site's label: accepted, the claim ignored.
            byte[] birth = JsonSerializer.SerializeToUtf8Bytes(
                new StatusPayload { State = StatusPayload.Online, BdSeq = (long)round + 1, Labels = new DeviceLabels { Site = "north" } }, ContractsJsonContext.Default.StatusPayload);
            Assert.True((await poison.PublishAsync(Topics.For("poison", Topics.Status), birth)).IsSuccess);
        }

        return sent;
    }
}
