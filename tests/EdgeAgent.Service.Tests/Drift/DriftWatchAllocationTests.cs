using EdgeAgent.Contracts;
using EdgeAgent.Link;
using EdgeAgent.Service.Drift;
using EdgeAgent.Service.Fleet;
using EdgeAgent.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Tests.Drift;

public sealed class DriftWatchAllocationTests
{
    [Fact]
    public async Task Push_AllocatesNothingPerFrame_AndAWindowIsHandedOverNotWrittenOnTheAudioThread()
    {
        string dataDir = TestPaths.NewTempDirectory();
        var agent = new AgentOptions { DataDir = dataDir, DeviceId = "alloc-test" };
        using var fleet = new FleetLink(Options.Create(agent), Options.Create(new LinkOptions()), Options.Create(new DeviceLabels()), TimeProvider.System, NullLogger<FleetLink>.Instance);
        var options = new DriftWatchOptions();
        options.Monitor.WindowSeconds = 10; // 312 frames of 32 ms a window
        var drift = new DriftWatch(options, dataDir, fleet, TimeProvider.System, NullLogger.Instance);
        await using (drift)
        {
            float[] frame = new float[512];
            var random = new Random(7);
            for (int i = 0; i < frame.Length; i++)
            {
                frame[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
            }

            Push(drift, frame, 40); // warm-up
            long before = GC.GetAllocatedBytesForCurrentThread();
            Push(drift, frame, 250); // within the first window
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{allocated} bytes allocated over 250 frames");

            // The rest of the window and two more: the window ends allocate (the profile, the evaluation), but their
            // storing, encoding and publishing are the recorder's.
            Push(drift, frame, 312 * 3);
        }

        using var db = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = Path.Combine(dataDir, "agent.db"), ReadOnly = true });
        Assert.Equal(3, db.GetCollection("drift_windows").Count());
    }

    private static void Push(DriftWatch drift, float[] frame, int count)
    {
        for (int i = 0; i < count; i++)
        {
            drift.Push(frame, 0.9f, 1.0);
        }
    }
}
