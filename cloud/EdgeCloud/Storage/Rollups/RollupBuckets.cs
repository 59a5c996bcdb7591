namespace EdgeCloud.Storage;

/// <summary>The hour and day (UTC) a window belongs to: the one its end falls in.</summary>
public static class RollupBuckets
{
    public static DateTimeOffset Hour(DateTimeOffset t)
    {
        DateTime u = t.UtcDateTime;
        return new DateTimeOffset(u.Year, u.Month, u.Day, u.Hour, 0, 0, TimeSpan.Zero);
    }

    public static DateTimeOffset Day(DateTimeOffset t)
    {
        DateTime u = t.UtcDateTime;
        return new DateTimeOffset(u.Year, u.Month, u.Day, 0, 0, 0, TimeSpan.Zero);
    }

    public static DateTimeOffset Of(RollupGrain grain, DateTimeOffset t) => grain == RollupGrain.Hour ? Hour(t) : Day(t);

    public static TimeSpan Length(RollupGrain grain) => grain == RollupGrain.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
}
