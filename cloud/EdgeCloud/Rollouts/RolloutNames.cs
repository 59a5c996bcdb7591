namespace EdgeCloud.Rollouts;

/// <summary>The wire names of the rollout enums (the same as their JSON), for messages and the request's strategy.</summary>
public static class RolloutNames
{
    public static string Name(this RolloutState state) => state switch
    {
        RolloutState.Running => "running",
        RolloutState.Paused => "paused",
        RolloutState.Completed => "completed",
        RolloutState.RolledBack => "rolled-back",
        RolloutState.Aborted => "aborted",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "no such rollout state"),
    };

    public static string Name(this RolloutStep step) => step switch
    {
        RolloutStep.Shadow => "shadow",
        RolloutStep.Stage => "stage",
        RolloutStep.Preload => "preload",
        RolloutStep.Switch => "switch",
        RolloutStep.Commit => "commit",
        RolloutStep.Done => "done",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, "no such rollout step"),
    };

    public static string Name(this RolloutStrategy strategy) => strategy switch
    {
        RolloutStrategy.Shadow => "shadow",
        RolloutStrategy.Canary => "canary",
        RolloutStrategy.BlueGreen => "blue-green",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "no such strategy"),
    };

    /// <summary>The strategy named <paramref name="name"/> (as a request spells it), or null.</summary>
    public static RolloutStrategy? ParseStrategy(string? name) => name switch
    {
        "shadow" => RolloutStrategy.Shadow,
        "canary" => RolloutStrategy.Canary,
        "blue-green" => RolloutStrategy.BlueGreen,
        _ => null,
    };
}
