namespace EdgeCloud.Fleet;

/// <summary>
/// What the root-cause rule knows of one active cohort alarm: its cohort, family, the devices the cohort held at the
/// last evaluation, and its drift evidence (the largest score / threshold of the family's alarms, 0 when none fired).
/// </summary>
public sealed record CohortAlarmFacts(CohortRef Cohort, string Family, IReadOnlySet<string> Devices, double Evidence);
