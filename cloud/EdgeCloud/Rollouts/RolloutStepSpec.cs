namespace EdgeCloud.Rollouts;

/// <summary>
/// One row of a <see cref="RolloutStepTable"/>: the mode asked of every targeted device (those in the step's scope, and
/// those outside it), the evidence the step waits for (phases, samples, bake time, the devices' deadline) and its gate.
/// </summary>
public sealed record RolloutStepSpec
{
    public required RolloutStep Step { get; init; }

    /// <summary>The canary stage (0-based) of a <see cref="RolloutStep.Stage"/> step; 0 otherwise.</summary>
    public int Stage { get; init; }

    /// <summary>How the step reads in history and logs: "shadow", "stage 1 (50%)", "commit".</summary>
    public required string Label { get; init; }

    /// <summary>The devices the step is about are those ranked below this (all targeted devices, or a stage's sticky prefix).</summary>
    public required int ScopeSize { get; init; }

    /// <summary>The mode (<see cref="EdgeAgent.Contracts.DesiredModel.Modes"/>) asked of a device in scope.</summary>
    public required string InScope { get; init; }

    /// <summary>The mode asked of a targeted device outside the scope: it serves its baseline and holds nothing of this rollout.</summary>
    public string OutOfScope { get; init; } = EdgeAgent.Contracts.DesiredModel.Baseline;

    /// <summary>The phases that count as a device's evidence for this step.</summary>
    public required IReadOnlyList<string> Evidence { get; init; }

    /// <summary>How long the step bakes (shadow time, a stage's bake) before agreement and latency are judged.</summary>
    public double WaitSeconds { get; init; }

    /// <summary>The gate applied to the evidence; null for a step that ends when every device in scope has answered (commit).</summary>
    public RolloutGates? Gate { get; init; }

    /// <summary>The gate compares the candidate with the live model (shadow) rather than with the previous one.</summary>
    public bool ComparesWithLive { get; init; }

    /// <summary>A stage that waits, paused, until an operator promotes it.</summary>
    public bool RequiresApproval { get; init; }

    public bool InScopeOf(RolloutDevice device) => device.Rank < ScopeSize;

    /// <summary>The mode this step asks of <paramref name="device"/>.</summary>
    public string ModeOf(RolloutDevice device) => InScopeOf(device) ? InScope : OutOfScope;
}
