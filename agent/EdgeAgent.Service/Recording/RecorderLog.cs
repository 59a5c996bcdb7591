namespace EdgeAgent.Service.Recording;

/// <summary>One line per event of a recorder (not one per item).</summary>
internal static partial class RecorderLog
{
    [LoggerMessage(3100, LogLevel.Warning, "Recorder {Recorder}: a write failed; it retries with a backoff (from {BackoffSeconds} s up to {MaxBackoffSeconds} s)")]
    public static partial void Failing(ILogger logger, Exception exception, string recorder, double backoffSeconds, double maxBackoffSeconds);

    [LoggerMessage(3101, LogLevel.Debug, "Recorder {Recorder}: attempt {Attempt} failed, next in {DelaySeconds} s: {Problem}")]
    public static partial void Retrying(ILogger logger, string recorder, int attempt, double delaySeconds, string problem);

    [LoggerMessage(3102, LogLevel.Error, "Recorder {Recorder}: gave up on {Count} items after {Attempts} attempts ({Failed} given up in all)")]
    public static partial void GaveUp(ILogger logger, string recorder, int count, int attempts, long failed);

    [LoggerMessage(3103, LogLevel.Information, "Recorder {Recorder}: writing again after {Seconds:F1} s of failures")]
    public static partial void Recovered(ILogger logger, string recorder, double seconds);

    [LoggerMessage(3104, LogLevel.Warning, "Recorder {Recorder}: queue full ({Limit} items): new items are dropped until it drains")]
    public static partial void QueueFull(ILogger logger, string recorder, int limit);

    [LoggerMessage(3105, LogLevel.Warning, "Recorder {Recorder}: {Dropped} items dropped while its queue was full ({Total} in all)")]
    public static partial void Dropped(ILogger logger, string recorder, long dropped, long total);

    [LoggerMessage(3106, LogLevel.Information, "Recorder {Recorder} stopped: {Written} written, {Dropped} dropped, {Failed} given up")]
    public static partial void Stopped(ILogger logger, string recorder, long written, long dropped, long failed);
}
