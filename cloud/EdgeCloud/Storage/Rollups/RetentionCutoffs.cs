namespace EdgeCloud.Storage;

/// <summary>What pruning removes: windows that ended, and hourly and daily rollups that start, before these times.</summary>
public sealed record RetentionCutoffs(DateTimeOffset WindowsBefore, DateTimeOffset HourlyBefore, DateTimeOffset DailyBefore);
