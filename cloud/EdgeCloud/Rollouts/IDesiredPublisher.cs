using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>
/// Where the rollout engine sends a device's desired state (retained). In the cloud it is the <see cref="DesiredOutbox"/>
/// that the broker side drains; a test plugs in its own (an in-memory broker).
/// </summary>
public interface IDesiredPublisher
{
    Task PublishDesiredAsync(string deviceId, DesiredState state, CancellationToken cancellationToken);
}
