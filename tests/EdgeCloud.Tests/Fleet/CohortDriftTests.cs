using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.TestSupport;
using EdgeCloud.Fleet;
using EdgeCloud.Storage;

namespace EdgeCloud.Tests.Fleet;

public sealed class CohortDriftTests
{
    [Fact]
    public async Task EvaluateAsync_NoiseRisingHourByHour_ReportsTheCohortsRateOfChange()
    {
        using ICloudStore store = new LiteDbCloudStore(TestPaths.NewTempDirectory());
        CancellationToken ct = TestContext.Current.CancellationToken;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (string id in new[] { "a", "b" })
        {
            await store.AddDeviceAsync(new DeviceRecord { DeviceId = id, Labels = new DeviceLabels { Site = "depot" }, PasswordHash = "x" }, ct);
        }

        // Four hours, the room getting 3 dB noisier each hour, two devices a window each per hour.
        for (int h = 0; h < 4; h++)
        {
            DateTimeOffset end = now.AddHours(h - 3.5);
            foreach (string id in new[] { "a", "b" })
            {
                await store.AddWindowAsync(new WindowRecord
                {
                    DeviceId = id, BootId = "boot", Seq = (ulong)h + 1, WindowStart = end.AddMinutes(-1), WindowEnd = end, ReceivedAt = end,
                    Profile = ProfileCodec.Encode(Room(noiseDb: -60 + 3 * h, seed: h)),
                }, ct);
            }
        }

        CohortVerdict depot = Assert.Single(await new CohortDrift(store, TimeProvider.System).EvaluateAsync("site", 5, Room(-60, seed: 9), ct));

        Assert.Equal(("depot", 2, 8), (depot.Group, depot.Devices, depot.Windows));
        CohortTrend noise = Assert.Single(depot.Trends, t => t.Feature == "noise_floor");
        Assert.InRange(noise.RatePerHour, 2.5, 3.5);
        Assert.Equal(4, noise.Hours);
        Assert.InRange(Assert.Single(depot.Trends, t => t.Feature == "speech_level").RatePerHour, -0.5, 0.5);
    }

    [Fact]
    public async Task EvaluateAsync_ByModelVersion_ComparesAVersionThatShipsATrainingReferenceWithIt()
    {
        using ICloudStore store = new LiteDbCloudStore(TestPaths.NewTempDirectory());
        CancellationToken ct = TestContext.Current.CancellationToken;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        // v6 was trained on (and ships) the noisy room the devices are in; v5 ships nothing.
        System.Text.Json.JsonElement training = System.Text.Json.JsonSerializer.SerializeToElement(
            ProfileDocument.From(Room(-40, seed: 3), "v6 training audio"), DriftJsonContext.Default.ProfileDocument);
        var v6 = new SignedModelManifest
        {
            Manifest = new ModelPackageManifest { Name = "silero_vad", Kind = "vad", Version = "v6", ReferenceProfile = training },
            Sha256 = "sha", Size = 1, Signature = "sig",
        };
        Assert.True(await store.AddModelAsync(v6, new MemoryStream([1]), ct));
        foreach ((string id, string version) in new[] { ("a", "v5"), ("b", "v6") })
        {
            await store.AddDeviceAsync(new DeviceRecord { DeviceId = id, Labels = new DeviceLabels { Site = "depot" }, PasswordHash = "x" }, ct);
            await store.UpdateModelsAsync(id, [new ModelRef { Name = "silero_vad", Version = version }], ct);
            for (int w = 0; w < 3; w++)
            {
                DateTimeOffset end = now.AddMinutes(w - 10);
                await store.AddWindowAsync(new WindowRecord
                {
                    DeviceId = id, BootId = "boot", Seq = (ulong)w + 1, WindowStart = end.AddMinutes(-1), WindowEnd = end, ReceivedAt = end,
                    Profile = ProfileCodec.Encode(Room(noiseDb: -40, seed: 10 * w + id[0])),
                }, ct);
            }
        }

        IReadOnlyList<CohortVerdict> cohorts = await new CohortDrift(store, TimeProvider.System).EvaluateAsync("model:silero_vad", 1, Room(-60, seed: 9), ct);

        CohortVerdict v5Cohort = Assert.Single(cohorts, c => c.Group == "v5");
        Assert.Equal((ModelReferences.Fleet, "drift"), (v5Cohort.Reference, v5Cohort.Verdict));
        Assert.Contains(v5Cohort.Alarms, a => a.Family == "noise");
        CohortVerdict v6Cohort = Assert.Single(cohorts, c => c.Group == "v6");
        Assert.Equal(("silero_vad@v6 training reference", "ok"), (v6Cohort.Reference, v6Cohort.Verdict));
    }

    /// <summary>A minute of the synthetic room at <paramref name="noiseDb"/>.</summary>
    private static SignalProfile Room(double noiseDb, int seed) => SyntheticRoom.Profile(new Random(seed), noiseDb, 60);
}
