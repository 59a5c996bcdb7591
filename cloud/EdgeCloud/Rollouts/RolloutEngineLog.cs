namespace EdgeCloud.Rollouts;

public sealed partial class RolloutEngine
{
    private static partial class Log
    {
        [LoggerMessage(7000, LogLevel.Information, "Rollout {Id}: {From} -> {To}: {Reason}")]
        public static partial void Transition(ILogger logger, string id, string from, string to, string reason);

        [LoggerMessage(7001, LogLevel.Warning, "Rollout {Id} of {Model}@{Version} rolled back: {Reason}")]
        public static partial void RolledBack(ILogger logger, string id, string model, string version, string reason);

        [LoggerMessage(7002, LogLevel.Warning, "Rollout {Id}: device {DeviceId} {Phase}: {Reason}")]
        public static partial void DeviceTrouble(ILogger logger, string id, string deviceId, string phase, string reason);

        [LoggerMessage(7003, LogLevel.Error, "Evaluating the rollouts failed ({Failures} in a row); trying again next tick")]
        public static partial void TickFailed(ILogger logger, Exception exception, long failures);

        [LoggerMessage(7005, LogLevel.Information, "Rollout driving by this instance ({Holder}): {Leading}")]
        public static partial void Leading(ILogger logger, string holder, bool leading);

        [LoggerMessage(7004, LogLevel.Information, "Desired state for {DeviceId} not published now ({Problem}); it goes out again until the device acknowledges it")]
        public static partial void PublishFailed(ILogger logger, string deviceId, string problem);

        [LoggerMessage(7006, LogLevel.Debug, "Desired state {Version} for {DeviceId} not acknowledged yet: sending it again ({Sends} sends)")]
        public static partial void Resending(ILogger logger, string deviceId, long version, int sends);
    }
}
