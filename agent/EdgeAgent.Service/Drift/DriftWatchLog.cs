namespace EdgeAgent.Service.Drift;

internal static partial class DriftWatchLog
{
    [LoggerMessage(3000, LogLevel.Information, "Drift watch compares with the reference profile {ReferenceFile}")]
    public static partial void ReferenceLoaded(ILogger logger, string referenceFile);

    [LoggerMessage(3001, LogLevel.Information, "Drift watch uses the baseline learned at {LearnedAt:o}")]
    public static partial void BaselineRestored(ILogger logger, DateTimeOffset learnedAt);

    [LoggerMessage(3002, LogLevel.Information, "Drift watch is learning this device's baseline from its first {SpeechSeconds} s of speech")]
    public static partial void Learning(ILogger logger, double speechSeconds);

    [LoggerMessage(3003, LogLevel.Information, "Drift baseline learned from {SpeechSeconds:F0} s of speech; thresholds raised to this device's spread: {AdaptedThresholds}")]
    public static partial void BaselineLearned(ILogger logger, double speechSeconds, string adaptedThresholds);

    [LoggerMessage(3004, LogLevel.Warning, "Drift alarm {Family}: {From} -> {To} (since {Since:o}); {Features}")]
    public static partial void AlarmChanged(ILogger logger, string family, string from, string to, DateTimeOffset? since, string features);

    [LoggerMessage(3005, LogLevel.Warning, "Drift alarm {Family} restored as {State} (since {Since:o})")]
    public static partial void AlarmRestored(ILogger logger, string family, string state, DateTimeOffset? since);

    [LoggerMessage(3006, LogLevel.Debug, "Drift window {Start:o} - {End:o}: {Verdict}")]
    public static partial void Window(ILogger logger, DateTimeOffset start, DateTimeOffset end, string verdict);

    /// <summary>A confirmed change, once: information, or a warning when its new level crosses the feature's drift threshold.</summary>
    [LoggerMessage(EventId = 3008, Message = "Drift trend {Feature}: {Change} change from {From:0.###} to {To:0.###} {Unit}, {RatePerHour:+0.###;-0.###}/h ({Windows} windows since onset){Crossing}")]
    public static partial void Trend(ILogger logger, LogLevel level, string feature, string change, double from, double to, string unit, double ratePerHour, long windows, string crossing);

    [LoggerMessage(3007, LogLevel.Error, "Drift watch failed on a window; it goes on with the next one")]
    public static partial void WindowFailed(ILogger logger, Exception exception);

    [LoggerMessage(3009, LogLevel.Information, "Drift watch also compares with {Model}'s training reference (its manifest's referenceProfile)")]
    public static partial void ModelReference(ILogger logger, string model);

    [LoggerMessage(3010, LogLevel.Warning, "Drift watch cannot use {Model}'s referenceProfile: {Problem}")]
    public static partial void ModelReferenceUnusable(ILogger logger, string model, string problem);
}
