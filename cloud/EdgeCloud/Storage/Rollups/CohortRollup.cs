namespace EdgeCloud.Storage;

/// <summary>
/// One cloud instance's share of a cohort (devices whose <paramref name="Label"/> was <paramref name="Value"/>, or
/// <c>model:{name}</c> = version) over one hour or day: the merged profile of the windows it rolled up (ProfileCodec),
/// how many there were and which devices sent them. The cohort is the merge of every instance's rows.
/// </summary>
public sealed record CohortRollup(
    string Label, string Value, RollupGrain Grain, DateTimeOffset Bucket, string Instance, long Windows, IReadOnlyList<string> Devices, byte[] Profile);
