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

    /// <summary>A minute of the synthetic room at <paramref name="noiseDb"/>.</summary>
    private static SignalProfile Room(double noiseDb, int seed) => SyntheticRoom.Profile(new Random(seed), noiseDb, 60);
}
