using System.Threading.Channels;
using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>
/// Desired states waiting to go out: the engine puts them here and the broker side takes them (so the engine never
/// needs the broker, whose ingest feeds the engine). It holds at most one state per device — a newer version replaces
/// one not yet taken — so it is bounded by the number of devices and never sends an older version after a newer one.
/// </summary>
public sealed class DesiredOutbox : IDesiredPublisher
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DesiredState> _pending = new(StringComparer.Ordinal);
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    public Task PublishDesiredAsync(string deviceId, DesiredState state, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_pending.TryGetValue(deviceId, out DesiredState? waiting))
            {
                if (state.Version > waiting.Version)
                {
                    _pending[deviceId] = state;
                }

                return Task.CompletedTask; // its device is queued already
            }

            _pending[deviceId] = state;
        }

        _ready.Writer.TryWrite(deviceId);
        return Task.CompletedTask;
    }

    /// <summary>The next device's newest desired state, waiting for one.</summary>
    public async Task<(string DeviceId, DesiredState State)> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            string deviceId = await _ready.Reader.ReadAsync(cancellationToken);
            lock (_lock)
            {
                if (_pending.Remove(deviceId, out DesiredState? state))
                {
                    return (deviceId, state);
                }
            }
        }
    }
}
