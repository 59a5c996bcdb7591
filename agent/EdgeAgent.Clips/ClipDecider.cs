using EdgeAgent.Contracts;

namespace EdgeAgent.Clips;

/// <summary>
/// Decides, per the device's <see cref="ClipPolicy"/>, whether something the pipeline saw becomes a clip and under
/// which <see cref="ClipTrigger"/>, and keeps the quotas: <see cref="ClipPolicy.MaxClipsPerHour"/> over all triggers
/// and at most <paramref name="driftClipsPerHour"/> drift-alarm clips, each in a sliding hour. Random speech is drawn
/// from the injected <see cref="Random"/> (seeded in tests). Off unless the policy is enabled and carries a key. One
/// thread (the clip worker).
/// </summary>
public sealed class ClipDecider(TimeProvider time, Random random, int driftClipsPerHour)
{
    private readonly HourlyQuota _all = new(time);
    private readonly HourlyQuota _drift = new(time);

    /// <summary>The trigger this event is captured under, or null when the policy does not want it.</summary>
    /// <param name="score">A near miss's peak score.</param>
    /// <param name="alarmActive">Whether a drift alarm was active when the event happened.</param>
    public string? Trigger(ClipPolicy policy, ClipCause cause, double score, bool alarmActive)
    {
        if (!policy.Enabled || string.IsNullOrEmpty(policy.PublicKey) || policy.MaxClipsPerHour <= 0)
        {
            return null;
        }

        ClipTriggers t = policy.Triggers;
        switch (cause)
        {
            case ClipCause.Detection:
                return t.Detections ? ClipTrigger.Detection : null;
            case ClipCause.NearMiss:
                return t.NearMiss is { } nearMiss && score >= nearMiss.Low ? ClipTrigger.NearMiss : null;
            default:
                // One clip per segment at most: the unbiased sample first, so that the recall estimate stays unbiased.
                if (t.RandomSpeech is { Rate: > 0 } sample && random.NextDouble() < sample.Rate)
                {
                    return ClipTrigger.RandomSpeech;
                }

                return t.DuringDriftAlarm && alarmActive ? ClipTrigger.DriftAlarm : null;
        }
    }

    /// <summary>Takes a place in the hour's quotas for a clip about to be queued; false when the quota is spent.</summary>
    public bool TryTakeQuota(ClipPolicy policy, string trigger)
    {
        if (trigger == ClipTrigger.DriftAlarm && _drift.Used >= driftClipsPerHour)
        {
            return false;
        }

        if (!_all.TryTake(policy.MaxClipsPerHour))
        {
            return false;
        }

        return trigger != ClipTrigger.DriftAlarm || _drift.TryTake(driftClipsPerHour);
    }

    /// <summary>Clips counted against <see cref="ClipPolicy.MaxClipsPerHour"/> in the last hour.</summary>
    public int UsedThisHour => _all.Used;
}
