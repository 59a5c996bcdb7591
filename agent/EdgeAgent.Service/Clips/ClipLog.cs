namespace EdgeAgent.Service.Clips;

internal static partial class ClipLog
{
    [LoggerMessage(4800, LogLevel.Information, "Clip policy v{Version}: {State} ({Triggers}; at most {MaxPerHour} clips an hour, {MaxQueueBytes} bytes queued, {RetentionDays} days)")]
    public static partial void Policy(ILogger logger, long version, string state, string triggers, int maxPerHour, long maxQueueBytes, int retentionDays);

    [LoggerMessage(4801, LogLevel.Information, "Clips off: no cloud address (EdgeAgent:Updates:RegistryUrl), so no clip policy; nothing is captured")]
    public static partial void Off(ILogger logger);

    [LoggerMessage(4802, LogLevel.Warning, "Clip policy fetch failed: {Problem}; keeping policy v{Version} ({State}), retrying in {RetrySeconds:F1} s")]
    public static partial void PolicyFailed(ILogger logger, string problem, long version, string state, double retrySeconds);

    [LoggerMessage(4803, LogLevel.Information, "Queued {Trigger} clip {ClipId} ({Keyword}, {DurationSec:F2} s, {Bytes} bytes); {Count} clips queued")]
    public static partial void Queued(ILogger logger, string trigger, string clipId, string keyword, double durationSec, long bytes, int count);

    [LoggerMessage(4804, LogLevel.Warning, "The cloud refused clip {ClipId} for good ({Status}: {Problem}); deleted ({Refused} refused so far)")]
    public static partial void Refused(ILogger logger, string clipId, int status, string problem, long refused);

    [LoggerMessage(4805, LogLevel.Warning, "Clip upload failed: {Problem}; {Count} clips kept, retrying in {RetrySeconds:F1} s")]
    public static partial void UploadFailed(ILogger logger, string problem, int count, double retrySeconds);

    [LoggerMessage(4806, LogLevel.Information, "Clip uploads resumed after {FailedSeconds:F0} s")]
    public static partial void Resumed(ILogger logger, double failedSeconds);

    [LoggerMessage(4807, LogLevel.Information, "Dropped {Count} queued clips (retention {RetentionDays} days, at most {MaxQueueBytes} bytes)")]
    public static partial void Dropped(ILogger logger, int count, int retentionDays, long maxQueueBytes);

    [LoggerMessage(4808, LogLevel.Error, "A clip could not be queued (failure {Count}): {Problem}")]
    public static partial void CaptureFailed(ILogger logger, long count, string problem);

    [LoggerMessage(4809, LogLevel.Information, "Clip queue {Root}: {Count} clips waiting; {Leftovers} interrupted writes deleted")]
    public static partial void Opened(ILogger logger, string root, int count, int leftovers);

    [LoggerMessage(4810, LogLevel.Warning, "Ignored the clip policy from the cloud: {Problem}")]
    public static partial void BadPolicy(ILogger logger, string problem);

    [LoggerMessage(4811, LogLevel.Information, "Clip policy v{Version} ({State}) restored from {Path} until the cloud answers")]
    public static partial void Restored(ILogger logger, long version, string state, string path);

    [LoggerMessage(4812, LogLevel.Warning, "The clip policy could not be kept in {Path}: {Problem}")]
    public static partial void PolicyNotKept(ILogger logger, string path, string problem);
}
