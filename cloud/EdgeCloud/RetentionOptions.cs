using System.ComponentModel.DataAnnotations;

namespace EdgeCloud;

/// <summary>How long the store keeps windows and rollups (section <c>EdgeCloud:Retention</c>).</summary>
public sealed class RetentionOptions
{
    /// <summary>Raw windows (PostgreSQL drops whole days, so a window may stay up to a day longer).</summary>
    [Range(0.01, 3650)]
    public double WindowDays { get; set; } = 7;

    [Range(1, 3650)]
    public double HourlyRollupDays { get; set; } = 90;

    [Range(1, 36_500)]
    public double DailyRollupDays { get; set; } = 365;

    /// <summary>How often old rows are pruned.</summary>
    [Range(1, 86_400)]
    public int PruneEverySeconds { get; set; } = 600;

    /// <summary>Rows removed per transaction: small, so that ingest never waits long behind pruning.</summary>
    [Range(1, 100_000)]
    public int PruneBatch { get; set; } = 1000;

    public Storage.RetentionCutoffs CutoffsAt(DateTimeOffset now) =>
        new(now.AddDays(-WindowDays), now.AddDays(-HourlyRollupDays), now.AddDays(-DailyRollupDays));
}
