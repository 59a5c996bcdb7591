namespace EdgeAgent.Updates.Running;

/// <summary>
/// Thrown by a <see cref="ReconcilerOptions.Failpoint"/> hook to end the reconciler right there, as a kill -9 would (a
/// simulation's crash): the runner neither catches nor undoes it, so the slots stay as that moment left them.
/// </summary>
public sealed class FailpointKill(string step) : Exception($"killed at failpoint {step}")
{
    public string Step { get; } = step;
}
