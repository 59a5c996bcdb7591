namespace EdgeAgent.Clips.Tests;

public sealed class NearMissTrackerTests
{
    private static List<NearMiss> Run(NearMissTracker tracker, params float[] scores)
    {
        var found = new List<NearMiss>();
        for (int i = 0; i < scores.Length; i++)
        {
            if (tracker.Push(0, scores[i], 1 + (i * 0.08), out NearMiss nearMiss))
            {
                found.Add(nearMiss);
            }
        }

        return found;
    }

    [Fact]
    public void Push_PeakBetweenLowAndThreshold_OneNearMissAtThePeak()
    {
        var tracker = new NearMissTracker(0.5, 0.2, 0.96);
        tracker.Reset(1);

        List<NearMiss> found = Run(tracker, 0.01f, 0.25f, 0.31f, 0.42f, 0.3f, 0.05f, 0.02f);

        NearMiss single = Assert.Single(found);
        Assert.Equal(0.42f, single.Score);
        Assert.Equal(1 + (3 * 0.08), single.TimeSec, 6);
    }

    [Fact]
    public void Push_RunThatReachesTheThreshold_IsNoNearMiss()
    {
        var tracker = new NearMissTracker(0.5, 0.2, 0.96);
        tracker.Reset(1);

        Assert.Empty(Run(tracker, 0.3f, 0.45f, 0.7f, 0.4f, 0.1f, 0.1f, 0.15f));
    }

    [Fact]
    public void Push_GapInTheScores_EndsTheRun()
    {
        var tracker = new NearMissTracker(0.5, 0.2, 0.96);
        tracker.Reset(1);
        Assert.False(tracker.Push(0, 0.3f, 2.0, out _));

        Assert.True(tracker.Push(0, 0.35f, 3.0, out NearMiss first)); // the gate was closed in between
        Assert.Equal(0.3f, first.Score);
        Assert.True(tracker.Push(0, 0.01f, 3.08, out NearMiss second));
        Assert.Equal(0.35f, second.Score);
    }

    [Fact]
    public void Push_DuringWarmupOrBelowLow_Nothing()
    {
        var tracker = new NearMissTracker(0.5, 0.2, 0.96);
        tracker.Reset(1);

        Assert.False(tracker.Push(0, 0.4f, 0.5, out _));
        Assert.False(tracker.Push(0, 0.1f, 0.58, out _));
        Assert.Empty(Run(tracker, 0.1f, 0.19f, 0.05f));
    }

    [Fact]
    public void Push_SteadyState_AllocatesNothing()
    {
        var tracker = new NearMissTracker(0.5, 0.2, 0.96);
        tracker.Reset(6);
        tracker.Push(0, 0.1f, 1, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int found = 0;
        for (int chunk = 0; chunk < 3000; chunk++)
        {
            for (int head = 0; head < 6; head++)
            {
                found += tracker.Push(head, (chunk + head) % 10 / 20f, 1 + (chunk * 0.08), out _) ? 1 : 0;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(found > 0);
    }
}
