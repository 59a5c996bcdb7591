namespace EdgeAgent.Drift.Detection;

/// <summary>
/// A confirmed change of a per-window quantity, reported once: <c>sudden</c> or <c>gradual</c>, how many windows since
/// it began, the rate of change per hour, the level before and after, and whether the new level crosses the drift
/// threshold of its feature (then it deserves a warning; otherwise it is information).
/// </summary>
public sealed record DriftTrend(
    string Feature,
    string Change,
    long WindowsSinceOnset,
    double RatePerHour,
    string Unit,
    double From,
    double To,
    bool CrossesThreshold)
{
    public const string Sudden = "sudden";
    public const string Gradual = "gradual";
}
