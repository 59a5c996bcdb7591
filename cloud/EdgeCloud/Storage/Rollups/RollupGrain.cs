namespace EdgeCloud.Storage;

/// <summary>How much time one rollup row covers.</summary>
public enum RollupGrain
{
    Hour = 1,
    Day = 2,
}
