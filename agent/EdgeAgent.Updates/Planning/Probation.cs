using EdgeAgent.Contracts;
using EdgeAgent.Updates.Runtime;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates.Planning;

/// <summary>
/// Judges the probation of a fresh activation (pure): frame errors, the VAD's p95 against the rollout's limit, the
/// agreement with the previous model run beside it, and a VAD whose speech share collapses against the previous one's.
/// </summary>
public static class Probation
{
    public const int MinErrors = 3;
    public const double MinCompareSeconds = 20;
    public const double SpeechCollapse = 0.2;
    public const long MinCompareFrames = 300;
    public const long MinCompareDetections = 3;

    /// <param name="before">The live health just before the switch (null after a restart: the speech-share check is skipped).</param>
    public static ProbationVerdict Judge(string name, ModelSlot slot, RuntimeView runtime, HealthSnapshot? before)
    {
        HealthSnapshot health = runtime.Live;
        CandidateHealth? beside = BesidePrevious(name, slot, runtime);
        var numbers = new CandidateHealth(health.Frames, beside?.Agreement, beside?.ScoreShift ?? 0, Math.Round(health.VadP95Ms, 3), health.Errors, beside?.Skipped ?? 0);
        return new ProbationVerdict(Failure(name, slot, runtime, before, beside), numbers);
    }

    /// <summary>
    /// How the fresh model agrees with the previous one run beside it, once there is enough evidence: the rollout's
    /// minSamples, at least 300 frames for a VAD or 3 detections for a keyword; null before that.
    /// </summary>
    private static CandidateHealth? BesidePrevious(string name, ModelSlot slot, RuntimeView runtime)
    {
        if (runtime.Shadow is not { RolloutId: null } shadow || shadow.Name != name || shadow.Version != slot.Previous)
        {
            return null;
        }

        long minSamples = Math.Max(slot.ProbationMinSamples, shadow.IsKeyword ? MinCompareDetections : MinCompareFrames);
        return shadow.Health.Samples >= minSamples ? shadow.Health : null;
    }

    private static string? Failure(string name, ModelSlot slot, RuntimeView runtime, HealthSnapshot? before, CandidateHealth? beside)
    {
        HealthSnapshot health = runtime.Live;
        if (health.Errors >= MinErrors)
        {
            return $"the pipeline failed on {health.Errors} frames since {name}@{slot.Active} took over";
        }

        if (slot.ProbationMaxP95Ms > 0 && health.Frames >= 100 && health.VadP95Ms > slot.ProbationMaxP95Ms)
        {
            return $"VAD p95 latency {health.VadP95Ms:F2} ms is over the limit of {slot.ProbationMaxP95Ms:F2} ms";
        }

        bool isVad = runtime.VadName == name;
        if (slot.ProbationMinAgreement > 0 && beside is { Agreement: { } agreement } && agreement < slot.ProbationMinAgreement)
        {
            return $"agreement with {name}@{slot.Previous} running beside it is {agreement:F2} < {slot.ProbationMinAgreement:F2} over {beside.Samples} {(isVad ? "frames" : "detections")}";
        }

        if (isVad && before is not null && before.AudioSeconds >= MinCompareSeconds && before.SpeechShare >= 0.05
            && health.AudioSeconds >= MinCompareSeconds && health.SpeechShare < before.SpeechShare * SpeechCollapse)
        {
            return $"the new VAD hears speech in {health.SpeechShare:P1} of frames, the previous one in {before.SpeechShare:P1}";
        }

        return null;
    }
}
