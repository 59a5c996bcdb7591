namespace EdgeAgent.Drift.Detection;

/// <summary>The verdict over a stream of audio against a reference: <c>ok</c>, <c>drift</c> or <c>insufficient-data</c>.</summary>
public sealed record DriftReport(
    string Verdict,
    double DurationSeconds,
    double SpeechSeconds,
    IReadOnlyList<DriftAlarm> Alarms,
    IReadOnlyList<FamilySummary> Families,
    IReadOnlyList<FeatureResult> Features)
{
    public const string Ok = "ok";
    public const string Drift = "drift";
    public const string InsufficientData = "insufficient-data";
}

/// <summary>A feature that drifted: the test that says so, its score against its threshold, and how far it moved.</summary>
/// <param name="Against">What the input was compared with, when the device compares with more than one reference
/// (e.g. "this device's baseline", "the model's training reference (silero_vad@v6)").</param>
public sealed record DriftAlarm(string Family, string Feature, string Test, double Score, double Threshold, double Effect, string Unit, string? Against = null);

public sealed record FamilySummary(string Family, string Verdict, int Alarms);

public sealed record FeatureResult(
    string Feature,
    string Family,
    string Verdict,
    double EvidenceSeconds,
    double? JensenShannon,
    double? Psi,
    double? Wasserstein,
    double? Shift,
    double? ReferenceMedian,
    double? CurrentMedian);
