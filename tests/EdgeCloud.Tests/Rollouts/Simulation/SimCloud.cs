using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// The cloud side: one store (LiteDB on a temp directory) shared by one or two instances of the real
/// <see cref="RolloutEngine"/>, each ticking on the fake clock, publishing desired states retained through the broker and
/// ingesting what devices send (as a shared subscription does, each message goes to one live instance). An instance can
/// die (its memory is gone; the other takes the driving lease over when it expires) and come back as a new one.
/// </summary>
internal sealed class SimCloud : IDisposable
{
    private const double TickSeconds = 1;
    private readonly SimClock _clock;
    private readonly SimBroker _broker;
    private readonly Instance?[] _instances;
    private int _nextInstance;

    public SimCloud(string root, SimClock clock, SimBroker broker, int instances)
    {
        _clock = clock;
        _broker = broker;
        Store = new LiteDbCloudStore(root);
        _instances = new Instance?[instances];
        for (int i = 0; i < instances; i++)
        {
            StartInstance(i);
        }

    }

    public LiteDbCloudStore Store { get; }

    /// <summary>Set when an instance ticked or took a command (what may change a rollout); cleared by <see cref="TakeChanged"/>.</summary>
    public bool Changed { get; set; }

    public bool TakeChanged()
    {
        bool changed = Changed;
        Changed = false;
        return changed;
    }

    public RolloutEngine Any => _instances.First(i => i is not null)!.Engine;

    public int Live => _instances.Count(i => i is not null);

    public void Dispose()
    {
        foreach (Instance? i in _instances)
        {
            i?.Engine.Dispose();
        }

        Store.Dispose();
    }

    /// <summary>Instance <paramref name="index"/> dies, and comes back as a new process after <paramref name="downFor"/>.</summary>
    public void Kill(int index, TimeSpan downFor)
    {
        if (_instances[index] is not { } dead)
        {
            return;
        }

        _instances[index] = null;
        dead.Engine.Dispose();
        if (Live == 0)
        {
            _broker.Disconnect("cloud"); // nobody consumes: devices keep their messages until an instance is back
        }

        _clock.After(downFor, () => StartInstance(index));
    }

    /// <summary>The broker restarted: the cloud's own subscription comes back at once (devices reconnect on their own).</summary>
    public void Reconnect()
    {
        if (Live > 0)
        {
            _broker.Connect("cloud", t => t.StartsWith(Topics.Root + "/", StringComparison.Ordinal) && !t.EndsWith("/" + Topics.StateDesired, StringComparison.Ordinal), IngestAsync);
        }
    }

    /// <summary>A random live instance (an operator's request may reach any).</summary>
    public RolloutEngine? Pick()
    {
        var live = _instances.OfType<Instance>().ToList();
        return live.Count == 0 ? null : live[_clock.Random.Next(live.Count)].Engine;
    }

    private void StartInstance(int index)
    {
        var options = Options.Create(new CloudOptions { Rollouts = new RolloutOptions { TickSeconds = TickSeconds, DeviceDeadlineSeconds = 60, DesiredResendSeconds = 5 } });
        int id = ++_nextInstance;
        var instance = new Instance(id, new RolloutEngine(Store, new Publisher(this, id), options, _clock.Time, NullLogger<RolloutEngine>.Instance));
        _instances[index] = instance;
        if (!_broker.IsConnected("cloud"))
        {
            Reconnect();
        }

        Tick(index, instance);
    }

    private void Tick(int index, Instance instance) => _clock.After(TimeSpan.FromSeconds(TickSeconds), async () =>
    {
        if (_instances[index] != instance)
        {
            return; // that process died
        }

        await instance.Engine.TickAsync(CancellationToken.None);
        Changed = true;
        Tick(index, instance);
    });

    private async Task IngestAsync(string topic, byte[] payload)
    {
        if (Pick() is not { } engine || !Topics.TryParse(topic, out string? deviceId, out string? leaf))
        {
            return;
        }

        switch (leaf)
        {
            case Topics.StateProgress:
                await engine.OnProgressAsync(deviceId, JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.RolloutProgress)!, CancellationToken.None);
                break;
            case Topics.StateReported:
                ReportedState reported = JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.ReportedState)!;
                await Store.UpdateModelsAsync(deviceId, reported.Models, CancellationToken.None);
                await engine.OnReportedAsync(deviceId, reported, CancellationToken.None);
                break;
            case Topics.Status:
                StatusPayload status = JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.StatusPayload)!;
                await engine.OnDeviceOnlineAsync(deviceId, status.BdSeq, CancellationToken.None);
                break;
        }
    }

    private sealed record Instance(int Id, RolloutEngine Engine);

    /// <summary>An instance's way out to the broker: nothing leaves a dead process.</summary>
    private sealed class Publisher(SimCloud cloud, int instance) : IDesiredPublisher
    {
        public Task PublishDesiredAsync(string deviceId, DesiredState state, CancellationToken cancellationToken)
        {
            if (cloud._instances.Any(i => i?.Id == instance))
            {
                cloud._broker.Publish(Topics.For(deviceId, Topics.StateDesired), JsonSerializer.SerializeToUtf8Bytes(state, ContractsJsonContext.Default.DesiredState), retain: true);
            }

            return Task.CompletedTask;
        }
    }
}
