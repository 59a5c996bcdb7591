using System.Text.Json;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;
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
        JsonElement afterTechnician = await fleet.RolloutAsync(id);
        JsonElement kiosk1 = afterTechnician.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("deviceId").GetString() == "kiosk-1");
        Assert.Equal("ROLLED_BACK", kiosk1.GetProperty("phase").GetString());
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
}
