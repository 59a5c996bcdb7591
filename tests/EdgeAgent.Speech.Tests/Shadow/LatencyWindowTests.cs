using EdgeAgent.Speech.Shadow;

namespace EdgeAgent.Speech.Tests.Shadow;

public sealed class LatencyWindowTests
{
    [Fact]
    public void P95_IsTheNearestRankOfTheLast2048_AndLeavesTheWindowAsItWas()
    {
        var window = new LatencyWindow();
        Assert.Equal(0, window.P95());
        for (int i = 100; i >= 1; i--)
        {
            window.Add(i);
        }

        Assert.Equal(95, window.P95());
        Assert.Equal(95, window.P95()); // sorting a copy, not the window

        for (int i = 0; i < 2048; i++)
        {
            window.Add(1000 + (i % 100)); // the first 100 fall out
        }

        Assert.Equal(1094, window.P95());
    }

    [Fact]
    public void P95_AllocatesNothing()
    {
        // Read on every health and update tick: in a process that allocates little, its garbage held the GC's memory.
        var window = new LatencyWindow();
        for (int i = 0; i < 3000; i++)
        {
            window.Add(i % 17);
        }

        window.P95();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            window.P95();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
