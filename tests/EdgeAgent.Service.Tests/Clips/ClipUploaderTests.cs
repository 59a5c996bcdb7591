using System.Diagnostics;
using EdgeAgent.Contracts;
using EdgeAgent.Service.Clips;

namespace EdgeAgent.Service.Tests.Clips;

public sealed class ClipUploaderTests
{
    private static void Eventually(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"timed out waiting for {what}");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public async Task RefreshPolicy_FromTheCloud_TurnsCaptureOnAndOff()
    {
        using var server = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password);
        using var rig = new ClipTestRig(server);
        Assert.False(rig.Capture.Active); // off by default

        TimeSpan next = await rig.Uploader.RefreshPolicyAsync(rig.Http.Client!, TestContext.Current.CancellationToken);
        Assert.True(rig.Capture.Active);
        Assert.Equal(TimeSpan.FromSeconds(300), next);

        server.Policy = server.Policy with { Version = 2, Enabled = false };
        await rig.Uploader.RefreshPolicyAsync(rig.Http.Client!, TestContext.Current.CancellationToken);
        Assert.False(rig.Capture.Active);
    }

    [Fact]
    public async Task RefreshPolicy_CloudDown_KeepsThePolicyAndBacksOff()
    {
        using var server = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password);
        using var rig = new ClipTestRig(server);
        await rig.Uploader.RefreshPolicyAsync(rig.Http.Client!, TestContext.Current.CancellationToken);

        server.PolicyStatus = 503;
        TimeSpan first = await rig.Uploader.RefreshPolicyAsync(rig.Http.Client!, TestContext.Current.CancellationToken);
        TimeSpan second = await rig.Uploader.RefreshPolicyAsync(rig.Http.Client!, TestContext.Current.CancellationToken);

        Assert.True(rig.Capture.Active);
        Assert.InRange(first.TotalSeconds, 2.5, 5);
        Assert.InRange(second.TotalSeconds, 5, 10);
    }

    [Fact]
    public async Task Run_RestartedWhileTheCloudIsDown_CapturesAsLastTold()
    {
        string dataDir;
        using (var server = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password))
        {
            using var first = new ClipTestRig(server);
            dataDir = first.DataDir;
            await first.Uploader.RefreshPolicyAsync(first.Http.Client!, TestContext.Current.CancellationToken);
            Assert.True(first.Capture.Active);
        }

        var down = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password);
        down.Dispose();
        using var again = new ClipTestRig(down, dataDir: dataDir);
        Assert.False(again.Capture.Active);

        await again.Uploader.StartAsync(TestContext.Current.CancellationToken);
        Eventually(() => again.Uploader.NextAttempt is not null, "the failed policy fetch");

        Assert.True(again.Capture.Active);
        Assert.Equal(1, again.Capture.Policy.Version);
        await again.Uploader.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task RefreshPolicy_BadKey_IsIgnored()
    {
        using var server = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password);
        using var rig = new ClipTestRig(server);
        server.Policy = server.Policy with { PublicKey = Convert.ToBase64String("not a key"u8.ToArray()) };

        await rig.Uploader.RefreshPolicyAsync(rig.Http.Client!, TestContext.Current.CancellationToken);

        Assert.False(rig.Capture.Active);
    }

    [Fact]
    public async Task Drain_CreatedAndAlreadyStored_DeleteFromTheQueue()
    {
        using var server = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password);
        using var rig = new ClipTestRig(server);
        var first = rig.Enqueue(server.Policy);
        var second = rig.Enqueue(server.Policy, rig.Time.GetUtcNow().AddSeconds(1));
        File.Copy(first.Path, Path.Combine(rig.Queue.Root, Path.GetFileName(first.Path).Replace("-", "0-", StringComparison.Ordinal))); // the same clip again (a retry after a crash)

        TimeSpan? retry = await rig.Uploader.DrainAsync(rig.Http.Client!, DateTimeOffset.MaxValue, TestContext.Current.CancellationToken);

        Assert.Null(retry);
        Assert.Equal(0, rig.Queue.Count);
        Assert.Equal(3, rig.Capture.Counters.Sent);
        Assert.Equal(new[] { first.ClipId, second.ClipId }.Order(StringComparer.Ordinal), server.Stored.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["POST /api/device/clips 200", "POST /api/device/clips 201", "POST /api/device/clips 201"], server.Requests.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Drain_RefusedForGood_DeletesAndCounts_ThenGoesOn()
    {
        using var server = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password);
        using var rig = new ClipTestRig(server);
        rig.Enqueue(server.Policy);                                                           // scripted 413
        rig.Enqueue(server.Policy, rig.Time.GetUtcNow().AddSeconds(1));                       // scripted 403
        rig.Enqueue(server.Policy, rig.Time.GetUtcNow().AddSeconds(2), deviceId: "someone-else"); // 400: not the authenticated device
        var good = rig.Enqueue(server.Policy, rig.Time.GetUtcNow().AddSeconds(3));
        server.Script(413, 403);

        TimeSpan? retry = await rig.Uploader.DrainAsync(rig.Http.Client!, DateTimeOffset.MaxValue, TestContext.Current.CancellationToken);

        Assert.Null(retry);
        Assert.Equal(3, rig.Capture.Counters.Refused);
        Assert.Equal(["POST /api/device/clips 413", "POST /api/device/clips 403", "POST /api/device/clips 400", "POST /api/device/clips 201"], server.Requests);

        Assert.Equal(0, rig.Queue.Count);
        Assert.Equal(good.ClipId, Assert.Single(server.Stored.Keys));
        Assert.Equal(1, rig.Capture.Counters.Sent);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    public async Task Drain_ServerErrorOrOverQuota_KeepsTheClipForLater(int status)
    {
        using var server = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password);
        using var rig = new ClipTestRig(server);
        var clip = rig.Enqueue(server.Policy);
        rig.Enqueue(server.Policy, rig.Time.GetUtcNow().AddSeconds(1));
        server.Script(status);

        TimeSpan? retry = await rig.Uploader.DrainAsync(rig.Http.Client!, DateTimeOffset.MaxValue, TestContext.Current.CancellationToken);

        Assert.NotNull(retry);
        Assert.Equal(2, rig.Queue.Count);          // the failed one and the one behind it
        Assert.Equal(clip.ClipId, rig.Queue.Oldest()!.ClipId);
        Assert.Equal(1, server.Uploads);           // stopped at the first failure
        Assert.Equal(0, rig.Capture.Counters.Refused);
    }

    [Fact]
    public async Task Drain_CloudUnreachable_KeepsEveryClip()
    {
        var gone = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password);
        gone.Dispose(); // the cloud was there and is down: its port is closed
        using var rig = new ClipTestRig(gone);
        rig.Enqueue(gone.Policy);

        TimeSpan? retry = await rig.Uploader.DrainAsync(rig.Http.Client!, DateTimeOffset.MaxValue, TestContext.Current.CancellationToken);

        Assert.NotNull(retry);
        Assert.Equal(1, rig.Queue.Count);
    }

    [Fact]
    public async Task Run_AfterAFailure_RetriesOnlyAfterTheBackoff_ThenDrains()
    {
        using var server = new ClipCloudServer(ClipTestRig.DeviceId, ClipTestRig.Password);
        using var rig = new ClipTestRig(server);
        var clip = rig.Enqueue(server.Policy);
        server.Script(500, 500);

        await rig.Uploader.StartAsync(TestContext.Current.CancellationToken);
        Eventually(() => server.Uploads == 1 && rig.Uploader.NextAttempt is not null, "the first upload and its backoff");
        Thread.Sleep(200);
        Assert.Equal(1, server.Uploads); // backing off: first wait 2.5–5 s on the agent's clock
        Assert.InRange((rig.Uploader.NextAttempt!.Value - rig.Time.GetUtcNow()).TotalSeconds, 2.5, 5);

        rig.Time.Advance(TimeSpan.FromSeconds(2.4));
        Thread.Sleep(200);
        Assert.Equal(1, server.Uploads);
        DateTimeOffset firstWait = rig.Uploader.NextAttempt.Value;
        rig.Time.Advance(TimeSpan.FromSeconds(2.6));
        Eventually(() => server.Uploads == 2 && rig.Uploader.NextAttempt != firstWait, "the second upload and its backoff");

        rig.Time.Advance(TimeSpan.FromSeconds(4.9)); // the second wait is 5–10 s
        Thread.Sleep(200);
        Assert.Equal(2, server.Uploads);
        rig.Time.Advance(TimeSpan.FromSeconds(5.1));
        Eventually(() => server.Stored.ContainsKey(clip.ClipId), "the clip stored");
        Eventually(() => rig.Queue.Count == 0, "the queue drained");

        // A new clip wakes the drain at once.
        var next = rig.Enqueue(server.Policy);
        rig.Capture.NotifyQueued();
        Eventually(() => server.Stored.ContainsKey(next.ClipId), "the next clip stored");
        await rig.Uploader.StopAsync(TestContext.Current.CancellationToken);
    }
}
