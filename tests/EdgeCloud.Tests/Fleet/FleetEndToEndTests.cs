using System.Text.Json;
using EdgeAgent.TestSupport;

namespace EdgeCloud.Tests.Fleet;

/// <summary>Real agents (edge-agent processes on real models and audio) reporting to a real edge-cloud process.</summary>
[Trait("Category", "Integration")]
public sealed class FleetEndToEndTests(ITestOutputHelper output)
{
    private static readonly Lazy<string> s_reference = new(() =>
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "ref.json");
        ExternalTool.Result r = Edgectl.Run("profile", "build", DriftCorpus.Reference, "-o", path, "--description", "fleet test reference");
        return r.ExitCode == 0 ? path : throw new InvalidOperationException(r.StdErr);
    });

    [Fact]
    public async Task Agents_ThroughTheEmbeddedBroker_ShowWindowsAndTheDriftedCohort()
    {
        using var cloud = new CloudProcess(null, "--EdgeCloud:Fleet:EvaluateEverySeconds=1");
        string a = await cloud.RegisterAsync("kiosk-a", new { deviceModel = "k1", micModel = "mic-a", firmware = "1.0", site = "lab" });
        string b = await cloud.RegisterAsync("kiosk-b", new { deviceModel = "k1", micModel = "mic-b", firmware = "1.0", site = "lab" });

        using (var agentA = Agent(cloud, "kiosk-a", a, $"wav:{DriftCorpus.CleanCurrent}", "mic-a"))
        using (var agentB = Agent(cloud, "kiosk-b", b, $"wav:{DriftCorpus.Scenario("new-mic-lowpass-3k4")}", "mic-b"))
        {
            Assert.Equal(0, agentA.WaitForExit(TimeSpan.FromSeconds(120)));
            Assert.Equal(0, agentB.WaitForExit(TimeSpan.FromSeconds(120)));
            output.WriteLine(agentB.Output);
        }

        // Every window of each 78 s run (5 s windows), in order, exactly once.
        foreach (string device in new[] { "kiosk-a", "kiosk-b" })
        {
            List<ulong> seqs = await cloud.Api.SeqsAsync(device);
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (ulong)i), seqs);
            Assert.InRange(seqs.Count, 14, 17);
        }

        JsonElement devices = await cloud.Api.GetJsonAsync("/api/devices");
        Assert.Equal(["kiosk-a", "kiosk-b"], devices.EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()));
        JsonElement kioskB = devices[1];
        Assert.False(kioskB.GetProperty("online").GetBoolean()); // the agent said offline when it stopped
        Assert.Equal("mic-b", kioskB.GetProperty("labels").GetProperty("micModel").GetString());
        Assert.Contains(kioskB.GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "silero_vad");
        JsonElement window = (await cloud.Api.GetJsonAsync("/api/devices/kiosk-b/windows"))[0];
        Assert.True(window.TryGetProperty("bootId", out _) && window.TryGetProperty("windowStart", out _) && window.TryGetProperty("windowEnd", out _));

        HttpResponseMessage put = await cloud.Api.PutFileAsync("/api/fleet/reference", s_reference.Value);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        JsonElement drift = await cloud.Api.GetJsonAsync("/api/fleet/drift?groupBy=micModel");
        output.WriteLine(drift.ToString());
        JsonElement micA = drift.EnumerateArray().Single(g => g.GetProperty("group").GetString() == "mic-a");
        JsonElement micB = drift.EnumerateArray().Single(g => g.GetProperty("group").GetString() == "mic-b");
        Assert.Equal("ok", micA.GetProperty("verdict").GetString());
        Assert.Equal("drift", micB.GetProperty("verdict").GetString());
        Assert.Equal(1, micB.GetProperty("devices").GetInt32());
        Assert.All(micB.GetProperty("alarms").EnumerateArray(), alarm => Assert.Equal("bandwidth", alarm.GetProperty("family").GetString()));

        // Cohorts by model version: both devices run silero_vad v5, so one cohort holding both.
        JsonElement byVad = await cloud.Api.GetJsonAsync("/api/fleet/drift?groupBy=model:silero_vad");
        Assert.Equal(2, Assert.Single(byVad.EnumerateArray()).GetProperty("devices").GetInt32());

        // The fleet watch raises a cohort alarm for the changed microphone, and none for the other.
        static bool IsCohort(JsonElement a, string group) => a.GetProperty("scope").GetString() == "cohort"
            && a.GetProperty("label").GetString() == "micModel" && a.GetProperty("group").GetString() == group;
        Assert.True(await FleetApiClient.EventuallyAsync(
            async () => (await cloud.Api.GetJsonAsync("/api/alarms?active=true")).EnumerateArray()
                .Any(a => IsCohort(a, "mic-b") && a.GetProperty("family").GetString() == "bandwidth" && a.GetProperty("state").GetString() == "alarm"),
            TimeSpan.FromSeconds(20)), cloud.Output);
        JsonElement alarms = await cloud.Api.GetJsonAsync("/api/alarms?active=true");
        Assert.DoesNotContain(alarms.EnumerateArray(), a => IsCohort(a, "mic-a"));

        // One root cause: the shared site, firmware and device model (kiosk-a and kiosk-b both) drift, if at all, through
        // kiosk-b's microphone; every bandwidth cohort alarm names micModel=mic-b.
        Assert.All(alarms.EnumerateArray().Where(a => a.GetProperty("scope").GetString() == "cohort" && a.GetProperty("family").GetString() == "bandwidth"), a =>
        {
            Assert.Equal("micModel", a.GetProperty("rootCause").GetProperty("label").GetString());
            Assert.Equal("mic-b", a.GetProperty("rootCause").GetProperty("value").GetString());
        });
        Assert.Contains("Fleet alarm micModel=mic-b bandwidth", cloud.Output);
    }

    [Fact]
    public async Task CloudOutage_ForSeveralWindows_EveryWindowArrivesOnceWithoutGaps()
    {
        using var cloud = new CloudProcess();
        string password = await cloud.RegisterAsync("panel-1", new { micModel = "mic-a" });
        using var agent = Agent(cloud, "panel-1", password, $"wav:{DriftCorpus.CleanCurrent}?loop=true&realtime=true", "mic-a", windowSeconds: 1);

        Assert.True(await FleetApiClient.EventuallyAsync(async () => (await cloud.Api.SeqsAsync("panel-1")).Count >= 3, TimeSpan.FromSeconds(60)), agent.Output);
        JsonElement online = await cloud.Api.GetJsonAsync("/api/devices/panel-1");
        Assert.True(online.GetProperty("online").GetBoolean());

        cloud.Kill();
        await Task.Delay(TimeSpan.FromSeconds(6), TestContext.Current.CancellationToken); // six windows made while the cloud is down
        cloud.Restart();
        int before = (await cloud.Api.SeqsAsync("panel-1")).Count;
        Assert.True(await FleetApiClient.EventuallyAsync(async () => (await cloud.Api.SeqsAsync("panel-1")).Count >= before + 8, TimeSpan.FromSeconds(60)), agent.Output);

        // A command reaches the reconnected agent and its ack comes back.
        HttpResponseMessage sent = await cloud.Api.PostJsonAsync("/api/devices/panel-1/commands/ping", new { ttlSeconds = 60 });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, sent.StatusCode);
        string cmdId = JsonDocument.Parse(await sent.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("cmdId").GetString()!;
        Assert.True(await FleetApiClient.EventuallyAsync(
            async () => (await cloud.Api.GetJsonAsync($"/api/devices/panel-1/commands/{cmdId}")).GetProperty("status").GetString() == "done",
            TimeSpan.FromSeconds(20)), agent.Output);

        agent.Signal("TERM");
        Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(30)));
        List<ulong> seqs = await cloud.Api.SeqsAsync("panel-1");
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (ulong)i), seqs.Order());
        Assert.Contains("MQTT link to 127.0.0.1", agent.Output);
        JsonElement stats = await cloud.Api.GetJsonAsync("/api/ingest/stats");
        output.WriteLine(stats.ToString());
    }

    [Fact]
    public async Task AgentKilled_MidStream_LosesNoWindowAfterRestart()
    {
        using var cloud = new CloudProcess();
        string password = await cloud.RegisterAsync("car-7", new { micModel = "mic-a" });
        string dataDir = TestPaths.NewTempDirectory();
        string source = $"wav:{DriftCorpus.CleanCurrent}?loop=true&realtime=true";

        using (var first = Agent(cloud, "car-7", password, source, "mic-a", windowSeconds: 1, dataDir))
        {
            Assert.True(await FleetApiClient.EventuallyAsync(async () => (await cloud.Api.SeqsAsync("car-7")).Count >= 3, TimeSpan.FromSeconds(60)), first.Output);
            first.Signal("KILL");
            first.WaitForExit(TimeSpan.FromSeconds(10));
        }

        using (var second = Agent(cloud, "car-7", password, source, "mic-a", windowSeconds: 1, dataDir))
        {
            int before = (await cloud.Api.SeqsAsync("car-7")).Count;
            Assert.True(await FleetApiClient.EventuallyAsync(async () => (await cloud.Api.SeqsAsync("car-7")).Count >= before + 3, TimeSpan.FromSeconds(60)), second.Output);
            second.Signal("TERM");
            Assert.Equal(0, second.WaitForExit(TimeSpan.FromSeconds(30)));
        }

        JsonElement windows = await cloud.Api.GetJsonAsync("/api/devices/car-7/windows?limit=100000");
        List<ulong> seqs = windows.EnumerateArray().Select(w => w.GetProperty("seq").GetUInt64()).Order().ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (ulong)i), seqs);
        Assert.Equal(2, windows.EnumerateArray().Select(w => w.GetProperty("bootId").GetString()).Distinct().Count());
    }

    private static AgentProcess Agent(CloudProcess cloud, string deviceId, string password, string source, string micModel, double windowSeconds = 5, string? dataDir = null) =>
        new(dataDir ?? TestPaths.NewTempDirectory(),
        [
            $"--EdgeAgent:DeviceId={deviceId}",
            $"--EdgeAgent:Source={source}",
            $"--EdgeAgent:Telemetry:WindowSeconds={windowSeconds}",
            "--EdgeAgent:Mqtt:Host=127.0.0.1",
            $"--EdgeAgent:Mqtt:Port={cloud.MqttPort}",
            $"--EdgeAgent:Mqtt:Username={deviceId}",
            $"--EdgeAgent:Mqtt:Password={password}",
            "--EdgeAgent:Mqtt:ReconnectMinSeconds=0.2",
            "--EdgeAgent:Mqtt:ReconnectMaxSeconds=1",
            $"--EdgeAgent:Labels:MicModel={micModel}",
        ]);
}
