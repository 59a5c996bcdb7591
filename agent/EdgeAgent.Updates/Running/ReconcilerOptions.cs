namespace EdgeAgent.Updates.Running;

/// <summary>The reconciler's settings (the agent binds them from <c>EdgeAgent:Updates</c>).</summary>
public sealed record ReconcilerOptions
{
    /// <summary>How often shadow and probation numbers are reported and the probation is judged.</summary>
    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Agent starts while a new model is on probation before the agent goes back to the previous one (a crash loop).</summary>
    public int MaxProbationStarts { get; init; } = 2;

    /// <summary>Download attempts per step before the device reports FAILED.</summary>
    public int DownloadAttempts { get; init; } = 5;

    /// <summary>Called at each crash-consistency point (<see cref="Failpoint"/>); a simulation may end the "process" there.</summary>
    public Action<string> Failpoint { get; init; } = Running.Failpoint.Hit;
}
