using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>What the engine asks of devices: per device, its whole desired state over every rollout, sent until acknowledged.</summary>
public sealed partial class RolloutEngine
{
    /// <summary>
    /// Sends each of <paramref name="deviceIds"/> (null: every device any rollout names) its desired state computed from
    /// <paramref name="rollouts"/>, when it differs from what was last sent (always when <paramref name="force"/>) —
    /// including a device whose last model left the list (it is sent the empty list).
    /// </summary>
    private async Task SendAsync(IReadOnlyList<Rollout> rollouts, IEnumerable<string>? deviceIds, bool force, CancellationToken cancellationToken)
    {
        Dictionary<string, List<DesiredModel>> index = DesiredIndex.Build(rollouts);
        IEnumerable<string> devices = deviceIds ?? rollouts.SelectMany(r => r.Devices.Select(d => d.DeviceId)).Distinct(StringComparer.Ordinal);
        await _sending.WaitAsync(cancellationToken);
        try
        {
            foreach (string deviceId in devices)
            {
                List<DesiredModel> models = index.TryGetValue(deviceId, out List<DesiredModel>? wanted) ? wanted : [];
                if (_ledger.Next(deviceId, models, time.GetUtcNow(), force) is { } state)
                {
                    await PublishAsync(deviceId, state, cancellationToken);
                }
            }
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>
    /// Desired states not acknowledged within <c>EdgeCloud:Rollouts:DesiredResendSeconds</c> (then less and less often)
    /// go out again — recomputed first, so an instance never sends again what another one has changed since.
    /// </summary>
    private async Task ResendAsync(CancellationToken cancellationToken)
    {
        if (_ledger.Due(time.GetUtcNow()) is not { Count: > 0 } due)
        {
            return;
        }

        Dictionary<string, List<DesiredModel>> index = DesiredIndex.Build(await ListAsync(cancellationToken));
        await _sending.WaitAsync(cancellationToken);
        try
        {
            foreach (string deviceId in due)
            {
                if (_ledger.Resend(deviceId, index.TryGetValue(deviceId, out List<DesiredModel>? models) ? models : [], time.GetUtcNow()) is ({ } state, int sends))
                {
                    Log.Resending(logger, deviceId, state.Version, sends);
                    await PublishAsync(deviceId, state, cancellationToken);
                }
            }
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task PublishAsync(string deviceId, DesiredState state, CancellationToken cancellationToken)
    {
        try
        {
            await publisher.PublishDesiredAsync(deviceId, state, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            Log.PublishFailed(logger, deviceId, ex.Message); // sent again until acknowledged
        }
    }
}
