using EdgeCloud.Storage;

namespace EdgeCloud.Tests.Storage;

public sealed class RecentWindowsTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_KeptWindow_IsTakenOnce()
    {
        var recent = new RecentWindows(10);
        recent.Keep([Window(1), Window(2)]);

        Assert.True(recent.TryTake(RecentWindows.Key("d", "boot", 2), out WindowRecord? w));
        Assert.Equal(2UL, w.Seq);
        Assert.False(recent.TryTake(RecentWindows.Key("d", "boot", 2), out _));
        Assert.False(recent.TryTake(RecentWindows.Key("d", "boot", 3), out _));
        Assert.Equal(1, recent.Count);
    }

    [Fact]
    public void Past_ItsCapacity_TheOldestAreDropped_AndTakenOnesDoNotCount()
    {
        var recent = new RecentWindows(3);
        recent.Keep([Window(1), Window(2), Window(3)]);
        Assert.True(recent.TryTake(RecentWindows.Key("d", "boot", 1), out _));
        recent.Keep([Window(4), Window(5)]);

        // 1 was taken and 2 dropped to keep at most three in the order queue; 3, 4 and 5 are still there.
        Assert.False(recent.TryTake(RecentWindows.Key("d", "boot", 2), out _));
        Assert.Equal(3, recent.Count);
        foreach (ulong seq in new ulong[] { 3, 4, 5 })
        {
            Assert.True(recent.TryTake(RecentWindows.Key("d", "boot", seq), out _));
        }

        // Many windows through a small one never grow it.
        for (ulong seq = 10; seq < 10_000; seq++)
        {
            recent.Keep([Window(seq)]);
        }

        Assert.Equal(3, recent.Count);
    }

    [Fact]
    public void Taken_ByItsParts_ItMustBeThatVeryWindow()
    {
        // "a/b" + "c" and "a" + "b/c" share a key; the roll-up must not take one for the other.
        var recent = new RecentWindows(10);
        recent.Keep([Window(1) with { DeviceId = "a/b", BootId = "c" }]);

        Assert.False(recent.TryTake("a", "b/c", 1, out _));
        recent.Keep([Window(2) with { DeviceId = "a", BootId = "b" }]);
        Assert.True(recent.TryTake("a", "b", 2, out WindowRecord? w));
        Assert.Equal("a", w.DeviceId);
    }

    [Fact]
    public void The_Key_IsTheLiteDbWindowId() => Assert.Equal("dev-1/b7/42", RecentWindows.Key("dev-1", "b7", 42));

    private static WindowRecord Window(ulong seq) => new()
    {
        DeviceId = "d", BootId = "boot", Seq = seq, WindowStart = s_t0, WindowEnd = s_t0.AddMinutes(1), ReceivedAt = s_t0, Verdict = "ok",
        DurationSeconds = 60, SpeechSeconds = 1, Detections = [], Profile = [1, 2],
    };
}
