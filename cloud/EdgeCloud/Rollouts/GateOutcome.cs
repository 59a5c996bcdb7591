namespace EdgeCloud.Rollouts;

/// <summary>What a <see cref="RolloutGate"/> decided.</summary>
public enum GateOutcome
{
    Pass,
    Fail,
    Inconclusive,
}
