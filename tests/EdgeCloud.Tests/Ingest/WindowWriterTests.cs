using System.Reflection;
using EdgeAgent.TestSupport;
using EdgeCloud.Ingest;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCloud.Tests.Ingest;

/// <summary>
/// The group commit against the real LiteDB store, with a fault injected for one device's windows (the store refusing
/// what slipped past the checks): the batch holding it is retried window by window and only that window is refused.
/// </summary>
public sealed class WindowWriterTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABatchTheStoreRefuses_IsRetriedOneByOne_AndOnlyTheBadWindowIsRefused()
    {
        using var real = new LiteDbCloudStore(_dir);
        RefusingStore proxy = RefusingStore.Wrap(real, w => w.DeviceId == "bad");
        await using var writer = new WindowWriter((ICloudStore)(object)proxy, NullLogger<WindowWriter>.Instance);

        Task<bool> first = writer.AddAsync(Window("honest-0", 100)); // holds the writer until the rest are queued
        var honest = new List<Task<bool>>();
        for (ulong seq = 1; seq <= 20; seq++)
        {
            honest.Add(writer.AddAsync(Window($"honest-{seq % 4}", seq)));
            if (seq == 10)
            {
                honest.Add(writer.AddAsync(Window("honest-2", 10))); // a duplicate inside the same batch
            }
        }

        Task<bool> bad = writer.AddAsync(Window("bad", 1));
        proxy.Gate.Release();

        Assert.True(await first);
        bool[] added = await Task.WhenAll(honest);
        Assert.Equal(20, added.Count(a => a));
        Assert.Single(added, a => !a);
        var refused = await Assert.ThrowsAsync<PoisonWindowException>(() => bad);
        Assert.Contains("refused", refused.Message);
        Assert.True(proxy.MixedBatches > 0, "the bad window should have shared a batch with honest ones");
        int stored = 0;
        for (int d = 0; d < 4; d++)
        {
            stored += (await real.ListWindowsAsync($"honest-{d}", 1000, Ct)).Count;
        }

        Assert.Equal(21, stored);
        Assert.Empty(await real.ListWindowsAsync("bad", 10, Ct));
    }

    [Fact]
    public async Task AStoreThatRefusesEverything_FailsEachCallerWithItsOwnError_SoDevicesSendAgain()
    {
        using var real = new LiteDbCloudStore(_dir);
        RefusingStore proxy = RefusingStore.Wrap(real, _ => true);
        proxy.Gate.Release();
        await using var writer = new WindowWriter((ICloudStore)(object)proxy, NullLogger<WindowWriter>.Instance);

        Task<bool>[] tasks = [.. Enumerable.Range(1, 5).Select(i => writer.AddAsync(Window("d", (ulong)i)))];

        foreach (Task<bool> t in tasks)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => t); // not PoisonWindowException: not the window's fault
        }
    }

    [Fact]
    public async Task AWindowBeyondAStoreLimit_IsRefusedBeforeTheWrite()
    {
        using var real = new LiteDbCloudStore(_dir);
        await using var writer = new WindowWriter(real, NullLogger<WindowWriter>.Instance);

        await Assert.ThrowsAsync<PoisonWindowException>(() => writer.AddAsync(Window("d", 1) with { BootId = new string('b', 1100) }));
        await Assert.ThrowsAsync<PoisonWindowException>(() => writer.AddAsync(Window("d", 2) with { Detections = new() { ["a\0b"] = 1 } }));
        Assert.True(await writer.AddAsync(Window("d", 3)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static WindowRecord Window(string device, ulong seq) => new()
    {
        DeviceId = device, BootId = "boot", Seq = seq, WindowStart = DateTimeOffset.UnixEpoch.AddMinutes((double)seq), WindowEnd = DateTimeOffset.UnixEpoch.AddMinutes((double)seq + 1),
        ReceivedAt = DateTimeOffset.UnixEpoch, Profile = [1, 2, 3],
    };

    /// <summary>The real store, except that a batch holding a window <c>refuse</c> picks throws (as LiteDB does for a key it cannot index).</summary>
    public class RefusingStore : DispatchProxy
    {
        private ICloudStore _inner = null!;
        private Func<WindowRecord, bool> _refuse = null!;
        private bool _waited;

        public SemaphoreSlim Gate { get; } = new(0);

        public int MixedBatches { get; private set; }

        public static RefusingStore Wrap(ICloudStore inner, Func<WindowRecord, bool> refuse)
        {
            var proxy = (RefusingStore)(object)Create<ICloudStore, RefusingStore>();
            proxy._inner = inner;
            proxy._refuse = refuse;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(ICloudStore.AddWindowsAsync) && args?[0] is IReadOnlyList<WindowRecord> windows)
            {
                if (!_waited)
                {
                    _waited = true;
                    Gate.Wait(TestContext.Current.CancellationToken);
                }

                int refused = windows.Count(_refuse);
                if (refused > 0)
                {
                    MixedBatches += refused < windows.Count ? 1 : 0;
                    return Task.FromException<IReadOnlyList<bool>>(new InvalidOperationException("the store cannot index this window"));
                }
            }

            return targetMethod!.Invoke(_inner, args);
        }
    }
}
