namespace EdgeCloud.Storage;

/// <summary>A cohort rollup row's identity within one instance.</summary>
public readonly record struct CohortKey(string Label, string Value, RollupGrain Grain, DateTimeOffset Bucket);
