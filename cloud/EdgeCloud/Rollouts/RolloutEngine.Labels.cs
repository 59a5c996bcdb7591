using EdgeCloud.Quality;
using EdgeCloud.Storage;

namespace EdgeCloud.Rollouts;

/// <summary>What the labelled gates of a canary stage are judged on, read before the (pure) decider runs.</summary>
public sealed partial class RolloutEngine
{
    /// <summary>
    /// The candidate's labelled quality on the current canary stage's devices since the stage began: its detection clips
    /// (the metadata names the candidate version) and the window summaries of those devices. Null when the rollout is not
    /// in a stage with labelled gates.
    /// </summary>
    private async Task<QualityRow?> LabelledQualityAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        if (rollout.State != RolloutState.Running || !rollout.Gates.Labelled || RolloutStepTable.Current(rollout) is not { Step: RolloutStep.Stage } spec)
        {
            return null;
        }

        var scope = new HashSet<string>(rollout.Devices.Where(spec.InScopeOf).Select(d => d.DeviceId), StringComparer.Ordinal);
        DateTimeOffset since = rollout.StepStartedAt;
        List<DeviceRecord> devices = (await store.ListDevicesAsync(cancellationToken)).Where(d => scope.Contains(d.DeviceId)).ToList();
        List<ClipRecord> clips = (await store.ListClipsAsync(new ClipQuery { Since = since, Limit = QualityApi.MaxClips }, cancellationToken))
            .Where(c => scope.Contains(c.DeviceId)).ToList();
        List<WindowRecord> windows = (await store.WindowsSinceAsync(since, cancellationToken)).Where(w => scope.Contains(w.DeviceId)).ToList();
        return QualityCalculator.Compute(rollout.Model, null, devices, clips, windows).FirstOrDefault(r => r.Version == rollout.Version);
    }
}
