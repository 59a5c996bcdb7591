using System.Text.Json;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>
/// The canary a new user runs, again and again (issue 10): five real agents (two of them started only after the rollout
/// began) on a fresh cloud each time, shadow then a three-stage canary of Silero v6 over v5 — every run completes with
/// every device on v6 and no device ever reporting ROLLED_BACK; and the bad candidate (alexa's head as a new
/// hey_jarvis) is rolled back every time with every device on the old head.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RolloutRepeatTests(ITestOutputHelper output)
{
    private const int Runs = 5;
    private static readonly string[] s_devices = ["kiosk-1", "kiosk-2", "kiosk-3", "kiosk-4", "kiosk-5"];
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task AGoodCanary_CompletesFiveTimesOutOfFive_EveryDeviceOnV6_NoneEverRolledBack()
    {
        var outcomes = new List<string>();
        for (int run = 1; run <= Runs; run++)
        {
            using var fleet = await FleetAsync();
            await fleet.UploadAsync("silero_vad", "v6", RolloutFleet.TestModels.Find("silero_vad", "v6"));
            string id = await fleet.CreateRolloutAsync(new
            {
                model = "silero_vad", version = "v6", target = "all", strategy = "canary", shadowSeconds = 8,
                stages = new[] { new { percent = 34, bakeSeconds = 2, requireApproval = false }, new { percent = 67, bakeSeconds = 2, requireApproval = false }, new { percent = 100, bakeSeconds = 2, requireApproval = false } },
                gates = new { minDevices = 1, minSamples = 100, minAgreement = 0.8, maxErrorRate = 0 }, probationSeconds = 30, deviceDeadlineSeconds = 90,
            });
            await StartLateAsync(fleet);

            JsonElement done = await fleet.WaitForStateAsync(id, "completed", s_timeout);
            outcomes.Add($"run {run}: {string.Join(" | ", done.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("to").GetString()))}");
            foreach (string device in s_devices)
            {
                Assert.True(await fleet.EventuallyActiveAsync(device, "silero_vad", "v6", s_timeout), $"run {run}: {device} is not on v6\n{fleet.Logs}");
            }

            Assert.All(done.GetProperty("devices").EnumerateArray(), d => Assert.Equal("COMMITTED", d.GetProperty("phase").GetString()));
            Assert.False(fleet.Cloud.Output.Contains("ROLLED_BACK", StringComparison.Ordinal), $"run {run}: a device reported ROLLED_BACK\n{fleet.Cloud.Output}");
        }

        output.WriteLine(string.Join(Environment.NewLine, outcomes));
    }

    [Fact]
    public async Task TheBadCandidate_IsRolledBackFiveTimesOutOfFive_EveryDeviceOnTheOldHead()
    {
        InstalledModel jarvis = RolloutFleet.TestModels.Find("hey_jarvis");
        var outcomes = new List<string>();
        for (int run = 1; run <= Runs; run++)
        {
            using var fleet = await FleetAsync();
            await fleet.UploadAsync("hey_jarvis", "0.2-bad", RolloutFleet.TestModels.Find("alexa"));
            string id = await fleet.CreateRolloutAsync(new
            {
                model = "hey_jarvis", version = "0.2-bad", target = "all", strategy = "canary", shadowSeconds = 30,
                stages = new[] { new { percent = 34, bakeSeconds = 2, requireApproval = false }, new { percent = 67, bakeSeconds = 2, requireApproval = false }, new { percent = 100, bakeSeconds = 2, requireApproval = false } },
                gates = new { minDevices = 1, minSamples = 2, minAgreement = 0.8, maxErrorRate = 0 }, deviceDeadlineSeconds = 90,
            });
            await StartLateAsync(fleet);

            JsonElement rolledBack = await fleet.WaitForStateAsync(id, "rolled-back", s_timeout);
            outcomes.Add($"run {run}: {rolledBack.GetProperty("history").EnumerateArray().Last().GetProperty("reason").GetString()}");
            foreach (string device in s_devices)
            {
                Assert.Equal(jarvis.Version, await fleet.ActiveVersionAsync(device, "hey_jarvis"));
            }
        }

        output.WriteLine(string.Join(Environment.NewLine, outcomes));
    }

    /// <summary>A fresh cloud with five registered kiosks, three of them running on v5 and the current head.</summary>
    private static async Task<RolloutFleet> FleetAsync()
    {
        var fleet = new RolloutFleet();
        foreach (string device in s_devices)
        {
            await fleet.RegisterAsync(device, "lab");
        }

        foreach (string device in s_devices.Take(3))
        {
            await fleet.StartAsync(device);
        }

        foreach (string device in s_devices.Take(3))
        {
            Assert.True(await fleet.EventuallyActiveAsync(device, "silero_vad", "v5", s_timeout), $"{device} never reported v5\n{fleet.Logs}");
        }

        return fleet;
    }

    /// <summary>The last two kiosks come online a little after the rollout began: they catch up from their retained desired state.</summary>
    private static async Task StartLateAsync(RolloutFleet fleet)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        foreach (string device in s_devices.Skip(3))
        {
            await fleet.StartAsync(device);
        }
    }
}
