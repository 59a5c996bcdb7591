namespace EdgeCloud.Fleet;

/// <summary>
/// The root cause of one cohort alarm: the cohort that explains it (itself when it is the root) and, when another
/// cohort explains it, how (e.g. "contains only mic-b devices").
/// </summary>
public sealed record RootCauseVerdict(CohortRef RootCause, string? ExplainedBy)
{
    public bool IsRoot => ExplainedBy is null;
}
