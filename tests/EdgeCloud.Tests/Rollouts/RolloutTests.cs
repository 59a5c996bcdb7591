using System.Net.Http.Json;
using System.Text.Json;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;
using EdgeAgent.Updates.Slots;
using EdgeCloud.Tests.Fleet;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>Rollouts end to end: a real cloud, real agents on real models and speech, the registry, MQTT and edgectl.</summary>
[Trait("Category", "Integration")]
public sealed class RolloutTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task ShadowThenCanary_OfVadV6OverV5_TargetedDevicesEndOnV6_TheRestStayOnV5_ThenRolledBackByHandAndByApi()
    {
        using var fleet = new RolloutFleet();
        await fleet.UploadAsync("silero_vad", "v6", RolloutFleet.TestModels.Find("silero_vad", "v6"));
        foreach ((string device, string site) in new[] { ("kiosk-1", "lab"), ("kiosk-2", "lab"), ("panel-3", "plant") })
        {
            await fleet.RegisterAsync(device, site);
        }

        await fleet.StartAsync("kiosk-1");
        await fleet.StartAsync("panel-3");
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-1", "silero_vad", "v5", s_timeout));
        Assert.True(await fleet.EventuallyActiveAsync("panel-3", "silero_vad", "v5", s_timeout));

        string id = await fleet.CreateRolloutAsync(new
        {
            model = "silero_vad", version = "v6", target = new { labels = new { site = "lab" } }, strategy = "canary", shadowSeconds = 12,
            stages = new[] { new { percent = 50, bakeSeconds = 3, requireApproval = false }, new { percent = 100, bakeSeconds = 3, requireApproval = false } },
            gates = new { minDevices = 2, minSamples = 100, minAgreement = 0.7, maxP95Ms = 50, maxErrorRate = 0 }, deviceDeadlineSeconds = 60,
        });

        // kiosk-2 was offline when the rollout began: it catches up from its retained desired state when it connects.
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        await fleet.StartAsync("kiosk-2");

        JsonElement done = await fleet.WaitForStateAsync(id, "completed", s_timeout);
        output.WriteLine(done.ToString());
        List<string> steps = done.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("to").GetString()!).ToList();
        Assert.Equal(["created", "shadow", "stage 1 (50%)", "stage 2 (100%)", "commit", "completed"], steps.Prepend("created").Distinct().ToList());
        string shadowPassed = done.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("to").GetString() == "stage 1 (50%)").GetProperty("reason").GetString()!;
        Assert.Contains("agreement", shadowPassed);
        Assert.Equal(["kiosk-1", "kiosk-2"], done.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()));
        Assert.All(done.GetProperty("devices").EnumerateArray(), d => Assert.Equal("COMMITTED", d.GetProperty("phase").GetString()));

        Assert.True(await fleet.EventuallyActiveAsync("kiosk-1", "silero_vad", "v6", s_timeout));
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-2", "silero_vad", "v6", s_timeout));
        Assert.Equal("v5", await fleet.ActiveVersionAsync("panel-3", "silero_vad"));
        Assert.Equal("v6", ModelSlots.Read(fleet.Stores["kiosk-1"]).For("silero_vad")!.Active);
        Assert.Null(ModelSlots.Read(fleet.Stores["kiosk-1"]).For("silero_vad")!.ProbationUntil);

        // A technician rolls kiosk-1 back on the device, without the cloud: the agent switches and reports it.
        ExternalTool.Result r = Edgectl.Run("models", "rollback", "silero_vad", "--models", fleet.Stores["kiosk-1"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-1", "silero_vad", "v5", s_timeout));
        // The device's models are stored before the rollout engine takes the report in: its phase follows shortly after.
        JsonElement kiosk1 = default;
        Assert.True(
            await FleetApiClient.EventuallyAsync(
                async () =>
                {
                    kiosk1 = (await fleet.RolloutAsync(id)).GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("deviceId").GetString() == "kiosk-1");
                    return kiosk1.GetProperty("phase").GetString() == "ROLLED_BACK";
                },
                s_timeout),
            kiosk1.ToString());
        Assert.Contains("edgectl models rollback", kiosk1.GetProperty("reason").GetString());

        // An operator rolls the whole rollout back through the API.
        HttpResponseMessage rollback = await fleet.Cloud.Api.PostAsync($"/api/rollouts/{id}/rollback", null, TestContext.Current.CancellationToken);
        Assert.True(rollback.IsSuccessStatusCode, await rollback.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-2", "silero_vad", "v5", s_timeout));
        JsonElement rolledBack = await fleet.RolloutAsync(id);
        Assert.Equal("rolled-back", rolledBack.GetProperty("state").GetString());
        Assert.Contains("rollback by admin", rolledBack.GetProperty("history").EnumerateArray().Last().GetProperty("reason").GetString());
        Assert.Equal("v5", await fleet.ActiveVersionAsync("panel-3", "silero_vad"));
    }

    [Fact]
    public async Task ABadCandidate_TheAlexaHeadPublishedAsHeyJarvis_FailsTheAgreementGate_AndEveryDeviceStaysOnThePreviousModel()
    {
        using var fleet = new RolloutFleet();
        InstalledModel jarvis = RolloutFleet.TestModels.Find("hey_jarvis");
        await fleet.UploadAsync("hey_jarvis", "0.2-bad", RolloutFleet.TestModels.Find("alexa")); // declared honestly, named wrongly
        await fleet.RegisterAsync("kiosk-1", "lab");
        await fleet.RegisterAsync("kiosk-2", "lab");
        await fleet.StartAsync("kiosk-1");
        await fleet.StartAsync("kiosk-2");
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-2", "hey_jarvis", jarvis.Version, s_timeout));

        string id = await fleet.CreateRolloutAsync(new
        {
            model = "hey_jarvis", version = "0.2-bad", target = "all", strategy = "canary", shadowSeconds = 30,
            stages = new[] { new { percent = 100, bakeSeconds = 5, requireApproval = false } },
            gates = new { minDevices = 1, minSamples = 2, minAgreement = 0.8, maxErrorRate = 0 }, deviceDeadlineSeconds = 60,
        });

        JsonElement rolledBack = await fleet.WaitForStateAsync(id, "rolled-back", s_timeout);
        output.WriteLine(rolledBack.ToString());
        string reason = rolledBack.GetProperty("history").EnumerateArray().Last().GetProperty("reason").GetString()!;
        Assert.Contains("shadow agreement", reason);
        foreach (string device in new[] { "kiosk-1", "kiosk-2" })
        {
            Assert.Equal(jarvis.Version, await fleet.ActiveVersionAsync(device, "hey_jarvis"));
            Assert.Equal(jarvis.Version, ModelSlots.Read(fleet.Stores[device]).For("hey_jarvis")!.Active);
        }
    }

    [Fact]
    public async Task ABadCandidate_ActivatedWithoutShadow_IsRolledBackByTheDeviceItself_WhenThePreviousModelBesideItDisagrees()
    {
        using var fleet = new RolloutFleet();
        InstalledModel jarvis = RolloutFleet.TestModels.Find("hey_jarvis");
        await fleet.UploadAsync("hey_jarvis", "0.2-bad", RolloutFleet.TestModels.Find("alexa"));
        await fleet.RegisterAsync("kiosk-1", "lab");
        AgentProcess agent = await fleet.StartAsync("kiosk-1");
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-1", "hey_jarvis", jarvis.Version, s_timeout));

        // Straight to serving, baking long: only the device's probation (the previous head beside the new one) can catch it.
        string id = await fleet.CreateRolloutAsync(new
        {
            model = "hey_jarvis", version = "0.2-bad", target = "all", strategy = "canary",
            stages = new[] { new { percent = 100, bakeSeconds = 600, requireApproval = false } },
            gates = new { minDevices = 1, minSamples = 2, minAgreement = 0.8, maxErrorRate = 0 }, probationSeconds = 600, deviceDeadlineSeconds = 600,
        });

        JsonElement rolledBack = await fleet.WaitForStateAsync(id, "rolled-back", s_timeout);
        output.WriteLine(rolledBack.ToString());
        JsonElement device = rolledBack.GetProperty("devices").EnumerateArray().Single();
        Assert.Equal("ROLLED_BACK", device.GetProperty("phase").GetString());
        Assert.Contains($"agent: probation failed: agreement with hey_jarvis@{jarvis.Version} running beside it is 0.00 < 0.80", device.GetProperty("reason").GetString());
        Assert.Contains("the previous model, compared with the fresh one on probation", agent.Output);
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-1", "hey_jarvis", jarvis.Version, s_timeout));
        ModelSlot slot = ModelSlots.Read(fleet.Stores["kiosk-1"]).For("hey_jarvis")!;
        Assert.Equal((jarvis.Version, (DateTimeOffset?)null), (slot.Active, slot.ProbationUntil));
    }

    [Theory]
    [InlineData("after-download")]
    [InlineData("after-slot-switch")]
    [InlineData("after-live-switch")]
    [InlineData("after-commit")]
    public async Task KillMinus9_AtAStepOfTheSwap_RestartsOnAValidModel_ReportsAConsistentState_AndTheRolloutCompletes(string failpoint)
    {
        using var fleet = new RolloutFleet();
        await fleet.UploadAsync("silero_vad", "v6", RolloutFleet.TestModels.Find("silero_vad", "v6"));
        await fleet.RegisterAsync("car-7", "road");
        string dataDir = TestPaths.NewTempDirectory();
        AgentProcess doomed = await fleet.StartAsync("car-7", new Dictionary<string, string> { ["EDGEAGENT_FAILPOINT"] = failpoint }, dataDir);
        Assert.True(await fleet.EventuallyActiveAsync("car-7", "silero_vad", "v5", s_timeout));

        string id = await fleet.CreateRolloutAsync(new
        {
            model = "silero_vad", version = "v6", target = "all", strategy = "canary",
            stages = new[] { new { percent = 100, bakeSeconds = 2, requireApproval = false } },
            gates = new { minDevices = 1, minSamples = 10, maxErrorRate = 0 }, deviceDeadlineSeconds = 120,
        });
        Assert.Equal(137, doomed.WaitForExit(s_timeout)); // SIGKILL at the failpoint
        string slotsAfterKill = File.ReadAllText(ModelSlots.PathIn(fleet.Stores["car-7"]));
        output.WriteLine($"{failpoint}: slots after the kill: {slotsAfterKill}");

        AgentProcess restarted = await fleet.StartAsync("car-7", null, dataDir);
        Assert.True(restarted.WaitForOutput("listening on", s_timeout), restarted.Output);
        string running = ModelSlots.Read(fleet.Stores["car-7"]).For("silero_vad")?.Active ?? "v5";
        Assert.Contains($"VAD silero_vad@{running}", restarted.Output); // the model the slots point at, loaded and verified

        await fleet.WaitForStateAsync(id, "completed", s_timeout);
        Assert.True(await fleet.EventuallyActiveAsync("car-7", "silero_vad", "v6", s_timeout));
        ModelSlot slot = ModelSlots.Read(fleet.Stores["car-7"]).For("silero_vad")!;
        Assert.Equal(("v6", "v5", (DateTimeOffset?)null), (slot.Active, slot.Previous, slot.ProbationUntil));
    }

    [Fact]
    public async Task BlueGreen_PreloadsEverywhere_ThenSwitchesTogether_AndCommits()
    {
        using var fleet = new RolloutFleet();
        await fleet.UploadAsync("silero_vad", "v6", RolloutFleet.TestModels.Find("silero_vad", "v6"));
        foreach (string device in new[] { "gate-1", "gate-2" })
        {
            await fleet.RegisterAsync(device, "dock");
            await fleet.StartAsync(device);
        }

        Assert.True(await fleet.EventuallyActiveAsync("gate-2", "silero_vad", "v5", s_timeout));
        string id = await fleet.CreateRolloutAsync(new
        {
            model = "silero_vad", version = "v6", target = "all", strategy = "blue-green",
            stages = new[] { new { percent = 100, bakeSeconds = 3, requireApproval = false } },
            gates = new { minDevices = 2, minSamples = 10, maxErrorRate = 0 }, deviceDeadlineSeconds = 60,
        });

        JsonElement done = await fleet.WaitForStateAsync(id, "completed", s_timeout);
        Assert.Equal(["preload", "switch", "commit", "completed"], done.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("to").GetString()));
        foreach (string device in new[] { "gate-1", "gate-2" })
        {
            Assert.True(await fleet.EventuallyActiveAsync(device, "silero_vad", "v6", s_timeout));
        }
    }

    [Fact]
    public async Task AStageThatRequiresApproval_WaitsPaused_UntilAnOperatorPromotesIt()
    {
        using var fleet = new RolloutFleet();
        await fleet.UploadAsync("silero_vad", "v6", RolloutFleet.TestModels.Find("silero_vad", "v6"));
        await fleet.RegisterAsync("kiosk-1", "lab");
        await fleet.StartAsync("kiosk-1");
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-1", "silero_vad", "v5", s_timeout));

        string id = await fleet.CreateRolloutAsync(new
        {
            model = "silero_vad", version = "v6", target = "all", strategy = "canary", shadowSeconds = 3,
            stages = new[] { new { percent = 100, bakeSeconds = 2, requireApproval = true } },
            gates = new { minDevices = 1, minSamples = 10, minAgreement = 0.7, maxErrorRate = 0 }, deviceDeadlineSeconds = 60,
        });

        JsonElement paused = await fleet.WaitForStateAsync(id, "paused", s_timeout);
        Assert.True(paused.GetProperty("awaitingApproval").GetBoolean());
        Assert.Equal("v5", await fleet.ActiveVersionAsync("kiosk-1", "silero_vad"));
        HttpResponseMessage resume = await fleet.Cloud.Api.PostAsync($"/api/rollouts/{id}/resume", null, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, resume.StatusCode); // resuming does not approve

        HttpResponseMessage promote = await fleet.Cloud.Api.PostAsync($"/api/rollouts/{id}/promote", null, TestContext.Current.CancellationToken);
        Assert.True(promote.IsSuccessStatusCode);
        await fleet.WaitForStateAsync(id, "completed", s_timeout);
        Assert.True(await fleet.EventuallyActiveAsync("kiosk-1", "silero_vad", "v6", s_timeout));
        JsonElement audit = await fleet.Cloud.Api.GetJsonAsync("/api/audit");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "rollout" && a.GetProperty("detail").GetString()!.Contains("approved: promote by admin"));
    }

    [Fact]
    public async Task ACandidateThatLiesAboutItsInputs_IsRefusedByTheRegistry_WithTheReason_AndCannotBeRolledOut()
    {
        // The device refuses such a manifest too (ModelFetcherTests); the registry no longer signs one.
        using var fleet = new RolloutFleet();
        InstalledModel jarvis = RolloutFleet.TestModels.Find("hey_jarvis");
        HttpResponseMessage upload = await fleet.TryUploadAsync("hey_jarvis", "0.3-lies", jarvis, RolloutFleet.TestModels.Find("alexa").ModelPath); // alexa's file, hey_jarvis's declared inputs
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, upload.StatusCode);
        Assert.Contains("the manifest declares inputs [x.1:float32[1,16,96]] but the file has [onnx::Flatten_0:float32[1,16,96]]", await upload.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        HttpResponseMessage rollout = await fleet.Cloud.Api.PostAsJsonAsync("/api/rollouts", new
        {
            model = "hey_jarvis", version = "0.3-lies", target = "all", strategy = "canary",
            stages = new[] { new { percent = 100, bakeSeconds = 2, requireApproval = false } },
        }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, rollout.StatusCode);
    }

    [Fact]
    public async Task TwoCloudInstancesOnPostgres_TheDriverDies_TheOtherTakesOver_AndCompletesTheRollout_WithEveryReport()
    {
        using var broker = new MosquittoBroker();
        string database = PostgresServer.Shared.CreateDatabase();
        string key = Path.Combine(TestPaths.NewTempDirectory(), "registry-signing-key.pem");
        using (var ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(key, ecdsa.ExportECPrivateKeyPem(), TestContext.Current.CancellationToken); // one registry key for both
        }

        string[] Settings(string clientId) =>
        [
            "--EdgeCloud:Mqtt:Embedded=false", "--EdgeCloud:Mqtt:External:Host=127.0.0.1", $"--EdgeCloud:Mqtt:External:Port={broker.Port}",
            $"--EdgeCloud:Mqtt:External:Username={MosquittoBroker.CloudUser}", $"--EdgeCloud:Mqtt:External:Password={MosquittoBroker.CloudPassword}",
            $"--EdgeCloud:Mqtt:External:ClientId={clientId}", "--EdgeCloud:Storage:Provider=postgres", $"--EdgeCloud:Storage:ConnectionString={database}",
            $"--EdgeCloud:Registry:SigningKeyFile={key}", "--EdgeCloud:Rollouts:TickSeconds=0.5",
        ];

        // cloud-1 takes the lease first and drives; everything else (API, registry, ingest share) goes through cloud-2.
        using var driver = new CloudProcess(null, Settings("cloud-1"));
        Assert.True(await FleetApiClient.EventuallyAsync(() => Task.FromResult(driver.Output.Contains("Rollout driving by this instance", StringComparison.Ordinal)), s_timeout), driver.Output);
        using var fleet = new RolloutFleet(new CloudProcess(null, Settings("cloud-2")), broker);
        await fleet.UploadAsync("silero_vad", "v6", RolloutFleet.TestModels.Find("silero_vad", "v6"));
        foreach (string device in new[] { "kiosk-1", "kiosk-2" })
        {
            await fleet.RegisterAsync(device, "lab");
            await fleet.StartAsync(device);
            Assert.True(await fleet.EventuallyActiveAsync(device, "silero_vad", "v5", s_timeout));
        }

        string id = await fleet.CreateRolloutAsync(new
        {
            model = "silero_vad", version = "v6", target = "all", strategy = "canary", shadowSeconds = 8,
            stages = new[] { new { percent = 50, bakeSeconds = 2, requireApproval = false }, new { percent = 100, bakeSeconds = 2, requireApproval = true } },
            gates = new { minDevices = 2, minSamples = 100, minAgreement = 0.7, maxErrorRate = 0 }, deviceDeadlineSeconds = 60,
        });
        JsonElement waiting = await fleet.WaitForStateAsync(id, "paused", s_timeout);
        Assert.True(waiting.GetProperty("awaitingApproval").GetBoolean(), waiting.ToString());
        Assert.Contains($"Rollout {id}: stage 1 (50%) -> paused", driver.Output);
        Assert.DoesNotContain($"Rollout {id}: stage 1", fleet.Cloud.Output);

        // The driver dies; the operator approves through the other instance, which takes the lease over and drives on.
        driver.Kill();
        HttpResponseMessage promoted = await fleet.Cloud.Api.PostAsync($"/api/rollouts/{id}/promote", null, TestContext.Current.CancellationToken);
        Assert.True(promoted.IsSuccessStatusCode, await promoted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(await FleetApiClient.EventuallyAsync(() => Task.FromResult(fleet.Cloud.Output.Contains("Rollout driving by this instance", StringComparison.Ordinal)), s_timeout), fleet.Cloud.Output);

        // The broker keeps the dead instance's share of the devices' messages in its session until it comes back (same
        // client id): then they are ingested and the new driver completes the rollout with every device's report.
        driver.Restart();
        JsonElement done = await fleet.WaitForStateAsync(id, "completed", s_timeout);
        output.WriteLine(done.ToString());
        Assert.All(done.GetProperty("devices").EnumerateArray(), d => Assert.Equal("COMMITTED", d.GetProperty("phase").GetString()));
        Assert.Contains($"Rollout {id}: commit -> completed", fleet.Cloud.Output);
        Assert.Equal(["stage 2 (100%) by admin (configured)", "commit by rollout-engine", "completed by rollout-engine"], done.GetProperty("history").EnumerateArray().Skip(3)
            .Select(h => $"{h.GetProperty("to").GetString()} by {h.GetProperty("by").GetString()}"));
        foreach (string device in new[] { "kiosk-1", "kiosk-2" })
        {
            Assert.True(await fleet.EventuallyActiveAsync(device, "silero_vad", "v6", s_timeout));
        }
    }

    [Fact]
    public async Task ASwitchOfTheLiveModel_MidStream_DropsNoAudio()
    {
        using var fleet = new RolloutFleet();
        await fleet.RegisterAsync("desk-1", "lab");
        string store = fleet.Stores["desk-1"];
        InstalledModel v6 = RolloutFleet.TestModels.Find("silero_vad", "v6");
        new ModelStore(store).Install(v6.ModelPath, v6.Manifest);
        double duration = double.Parse(ExternalTool.Check("soxi", "-D", RolloutFleet.SpeechLoop).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        // No cloud link: the switch comes from the device's own slots (a technician's pin), in the middle of a real-time file.
        using var agent = new AgentProcess(TestPaths.NewTempDirectory(),
        [
            "--EdgeAgent:DeviceId=desk-1", $"--EdgeAgent:ModelsDir={store}", $"--EdgeAgent:Source=wav:{RolloutFleet.SpeechLoop}?realtime=true",
            "--EdgeAgent:Speech:Keywords:0=hey_jarvis",
        ]);
        Assert.True(agent.WaitForOutput("listening on", s_timeout), agent.Output);
        ModelSlots.Update(store, d => d.With("silero_vad", new ModelSlot { Active = "v5" })); // what a first update records
        await Task.Delay(TimeSpan.FromSeconds(6), TestContext.Current.CancellationToken);
        ExternalTool.Result pin = Edgectl.Run("models", "pin", "silero_vad@v6", "--models", store);
        Assert.True(pin.ExitCode == 0, pin.StdErr);

        Assert.Equal(0, agent.WaitForExit(s_timeout));
        output.WriteLine(agent.Output);
        Assert.Contains("Switched silero_vad from v5 to v6", agent.Output);
        Assert.Contains("VAD silero_vad@v6", agent.Output[agent.Output.IndexOf("Switched models between two frames", StringComparison.Ordinal)..]);
        string ended = agent.Output[(agent.Output.IndexOf("Audio source ended after ", StringComparison.Ordinal) + 25)..].Split(' ')[0];
        Assert.Equal(duration, double.Parse(ended, System.Globalization.CultureInfo.InvariantCulture), 0.002); // every sample went through a pipeline
        Assert.Contains("overruns 0", agent.Output);
    }
}
