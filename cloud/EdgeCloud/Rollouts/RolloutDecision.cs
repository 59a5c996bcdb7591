namespace EdgeCloud.Rollouts;

/// <summary>
/// What <see cref="RolloutDecider"/> decided for one rollout: the rollout as it should be stored (a copy; the input is
/// untouched), the transitions it made, the devices newly counted as failed for their silence (to store beside the
/// rollout) and, for an operator's command that does not apply, why.
/// </summary>
public sealed record RolloutDecision(Rollout Rollout, IReadOnlyList<RolloutTransition> Transitions, IReadOnlyList<SilentDevice> Silent, string? Problem)
{
    /// <summary>Whether the rollout changed (every change is a transition).</summary>
    public bool Changed => Transitions.Count > 0;
}
