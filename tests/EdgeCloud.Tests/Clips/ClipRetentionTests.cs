using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;
using EdgeCloud.Clips;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCloud.Tests.Clips;

public sealed class ClipRetentionTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Sweep_DeletesEachClipOnlyOnceItsRetentionHasPassed()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(s_t0);
        var options = new CloudOptions { DataDir = TestPaths.NewTempDirectory() };
        options.Clips.SweepBatch = 2; // several batches in one sweep
        using var store = new LiteDbCloudStore(options.DataDir);
        for (int i = 0; i < 5; i++)
        {
            await store.AddClipAsync(Clip($"short{i}", s_t0.AddDays(1)), [1, 2], ct);
        }

        await store.AddClipAsync(Clip("long", s_t0.AddDays(30)), [1, 2], ct);
        var retention = new ClipRetention(store, Options.Create(options), time, NullLogger<ClipRetention>.Instance);

        Assert.Equal(0, await retention.SweepAsync(ct));
        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(5, await retention.SweepAsync(ct));
        Assert.Equal(["long"], (await store.ListClipsAsync(new ClipQuery(), ct)).Select(c => c.Id));
        time.Advance(TimeSpan.FromDays(29));
        Assert.Equal(1, await retention.SweepAsync(ct));
        Assert.Null(await store.ReadClipAudioAsync("long", ct));
    }

    private static ClipRecord Clip(string id, DateTimeOffset expires) => new()
    {
        Id = id, DeviceId = "kiosk-1", At = s_t0, ReceivedAt = s_t0, Trigger = ClipTrigger.RandomSpeech, DurationSec = 1, ExpiresAt = expires,
    };
}
