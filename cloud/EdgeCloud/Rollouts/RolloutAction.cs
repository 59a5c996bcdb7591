namespace EdgeCloud.Rollouts;

/// <summary>An operator's command on a rollout (<c>POST /api/rollouts/{id}/{action}</c>).</summary>
public enum RolloutAction
{
    Pause,
    Resume,
    Promote,
    Abort,
    Rollback,
}
