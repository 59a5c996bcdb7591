using EdgeCloud.Storage;

namespace EdgeCloud.Tests.Storage;

public sealed class LastSeenWritesTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_Device_IsWrittenOncePerStep_AndEachDeviceOnItsOwn()
    {
        var writes = new LastSeenWrites();
        Assert.True(writes.IsDue("a", s_t0));
        Assert.True(writes.IsDue("a", s_t0)); // not written yet (the transaction may still roll back)
        writes.Written("a", s_t0);

        Assert.False(writes.IsDue("a", s_t0 + LastSeenWrites.Step - TimeSpan.FromMilliseconds(1)));
        Assert.True(writes.IsDue("b", s_t0));
        Assert.True(writes.IsDue("a", s_t0 + LastSeenWrites.Step));
    }
}
