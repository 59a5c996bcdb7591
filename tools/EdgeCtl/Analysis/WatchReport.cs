namespace EdgeCtl.Analysis;

/// <summary>What <c>edgectl watch</c> saw: windows, every alarm change and trend, and the alarms raised per family.</summary>
internal sealed record WatchReport(
    double DurationSeconds,
    double SpeechSeconds,
    int Windows,
    string ComparedWith,
    IReadOnlyList<WatchAlarmChange> AlarmChanges,
    IReadOnlyList<WatchTrend> Trends,
    IReadOnlyDictionary<string, int> AlarmsRaised);

internal sealed record WatchAlarmChange(DateTimeOffset At, string Family, string From, string To, string Evidence);

internal sealed record WatchTrend(DateTimeOffset At, string Feature, string Change, double From, double To, double RatePerHour, string Unit, bool CrossesThreshold);
