using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>What the ingest hands the rollout engine: devices' progress, reported states (acknowledgements) and connections.</summary>
public interface IRolloutInbox
{
    /// <summary>A device's progress in a rollout; false when it names no rollout targeting that device.</summary>
    Task<bool> OnProgressAsync(string deviceId, RolloutProgress progress, CancellationToken cancellationToken);

    /// <summary>A device's reported state: its <see cref="ReportedState.AppliedVersion"/> acknowledges a desired state.</summary>
    Task OnReportedAsync(string deviceId, ReportedState reported, CancellationToken cancellationToken);

    /// <summary>A device came online (<paramref name="bdSeq"/> names the connection).</summary>
    Task OnDeviceOnlineAsync(string deviceId, long bdSeq, CancellationToken cancellationToken);
}
