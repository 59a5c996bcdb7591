namespace EdgeAgent.Drift.Detection;

/// <summary>Where a family's alarm stands.</summary>
public enum AlarmState
{
    Ok,
    Warning,
    Alarm,
    Recovering,
}
