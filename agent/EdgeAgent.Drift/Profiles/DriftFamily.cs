namespace EdgeAgent.Drift.Profiles;

/// <summary>What an alarm says changed.</summary>
public static class DriftFamily
{
    public const string Level = "level";
    public const string Noise = "noise";
    public const string Bandwidth = "bandwidth";
    public const string Clipping = "clipping";
    public const string DcOffset = "dc-offset";
    public const string Hum = "hum";
    public const string DeadInput = "dead-input";
    public const string Prediction = "prediction";

    public static IReadOnlyList<string> All { get; } = [Level, Noise, Bandwidth, Clipping, DcOffset, Hum, DeadInput, Prediction];
}
