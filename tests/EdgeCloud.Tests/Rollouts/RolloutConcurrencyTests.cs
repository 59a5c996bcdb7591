using System.Reflection;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>
/// Two cloud instances change the same rollout at once (the driving one, an operator's command on the other): the
/// store takes a change only over the revision it was made from, so neither overwrites the other; the one that loses
/// decides again on what the other stored. Two engines share one real store; the second one's change is slipped in
/// just before the first one stores its own.
/// </summary>
public sealed class RolloutConcurrencyTests : IDisposable
{
    private readonly LiteDbCloudStore _store = new(TestPaths.NewTempDirectory());
    private readonly DesiredStates _published = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task A_CommandThatLostTheRace_IsDecidedAgain_AndNeverUndoesTheOtherInstances()
    {
        RolloutEngine other = Engine(_store);
        Rollout created = await CreateAsync(other);
        var interleaved = Interleaved.Over(_store, () => other.CommandAsync(created.Id, "abort", "bob", Ct));

        (Rollout? paused, string? problem) = await Engine(interleaved).CommandAsync(created.Id, "pause", "alice", Ct);

        Assert.Null(paused);
        Assert.Equal("cannot pause a rollout that is aborted", problem);
        Rollout stored = (await other.GetAsync(created.Id, Ct))!;
        Assert.Equal((RolloutState.Aborted, 2L), (stored.State, stored.Revision));
        Assert.Equal(["created -> stage 1 (50%) by ops", "stage 1 (50%) -> aborted by bob"], stored.History.Select(t => $"{t.From} -> {t.To} by {t.By}"));
        IReadOnlyList<AuditRecord> audit = await _store.ListAuditAsync(10, Ct);
        Assert.Contains(audit, a => a.Actor == "bob" && a.Detail!.Contains("aborted", StringComparison.Ordinal));
        Assert.DoesNotContain(audit, a => a.Actor == "alice");
    }

    [Fact]
    public async Task A_CommandThatStillApplies_IsStoredOverTheOtherInstancesChange_AndTheDevicesAreAsked()
    {
        RolloutEngine other = Engine(_store);
        Rollout created = await CreateAsync(other);
        string canary = created.Devices.Single(d => d.Mode == DesiredModel.Active).DeviceId;
        var interleaved = Interleaved.Over(_store, () => other.CommandAsync(created.Id, "pause", "bob", Ct));

        (Rollout? rolledBack, string? problem) = await Engine(interleaved).CommandAsync(created.Id, "rollback", "alice", Ct);

        Assert.True(rolledBack is not null, problem);
        Rollout stored = (await other.GetAsync(created.Id, Ct))!;
        Assert.Equal((RolloutState.RolledBack, 3L), (stored.State, stored.Revision));
        Assert.Equal(["running -> paused by bob", "paused -> rolled-back by alice"], stored.History.Skip(1).Select(t => $"{t.From} -> {t.To} by {t.By}"));
        Assert.Equal(DesiredModel.RolledBack, _published.Last(canary).Models.Single().Mode);
    }

    private async Task<Rollout> CreateAsync(RolloutEngine engine)
    {
        foreach (string id in (string[])["kiosk-1", "kiosk-2"])
        {
            await _store.AddDeviceAsync(new DeviceRecord { DeviceId = id, Labels = new DeviceLabels { DeviceModel = "k1", MicModel = "mic-a" }, PasswordHash = "-", CreatedAt = DateTimeOffset.UtcNow }, Ct);
        }

        var model = new SignedModelManifest
        {
            Manifest = new ModelPackageManifest { Name = "silero_vad", Kind = ModelPackageManifest.Vad, Version = "v6", Inputs = [], Outputs = [] },
            Sha256 = "-", Signature = "-",
        };
        var request = new RolloutRequest { Model = "silero_vad", Version = "v6", Strategy = "canary", Stages = [new(50, 600, false), new(100, 600, false)] };
        return await engine.CreateAsync(request, null, model, "ops", Ct);
    }

    private RolloutEngine Engine(ICloudStore store) => new(
        store,
        _published,
        Options.Create(new CloudOptions()),
        TimeProvider.System,
        NullLogger<RolloutEngine>.Instance);

    /// <summary>The desired states the engines published, as the broker would have carried them.</summary>
    private sealed class DesiredStates : IDesiredPublisher
    {
        private readonly List<(string DeviceId, DesiredState State)> _sent = [];

        public DesiredState Last(string deviceId) => _sent.Last(s => s.DeviceId == deviceId).State;

        public Task PublishDesiredAsync(string deviceId, DesiredState state, CancellationToken cancellationToken)
        {
            _sent.Add((deviceId, state));
            return Task.CompletedTask;
        }
    }

    /// <summary>The shared store as one instance sees it, with another instance's change stored just before this one's next rollout.</summary>
    public class Interleaved : DispatchProxy
    {
        private ICloudStore _inner = null!;
        private Func<Task>? _before;

        public static ICloudStore Over(ICloudStore inner, Func<Task> before)
        {
            ICloudStore proxy = Create<ICloudStore, Interleaved>();
            var self = (Interleaved)(object)proxy;
            (self._inner, self._before) = (inner, before);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod!.Name == nameof(ICloudStore.TrySaveRolloutAsync) && Interlocked.Exchange(ref _before, null) is { } before
                ? SaveAfterAsync(before, targetMethod, args)
                : targetMethod.Invoke(_inner, args);

        private async Task<bool> SaveAfterAsync(Func<Task> before, MethodInfo method, object?[]? args)
        {
            await before();
            return await (Task<bool>)method.Invoke(_inner, args)!;
        }
    }
}
