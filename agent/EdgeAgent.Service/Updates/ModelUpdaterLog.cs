namespace EdgeAgent.Service.Updates;

internal sealed partial class ModelUpdater
{
    private static partial class Log
    {
        [LoggerMessage(6100, LogLevel.Information, "Desired state {Version} from the cloud: {Models}")]
        public static partial void Desired(ILogger logger, long version, string models);

        [LoggerMessage(6101, LogLevel.Error, "Rollout step {Mode} of {Name}@{Version} failed")]
        public static partial void StepFailed(ILogger logger, Exception exception, string name, string version, string mode);

        [LoggerMessage(6102, LogLevel.Information, "Installed {Model} (sha256 {Sha256}) from the registry")]
        public static partial void Installed(ILogger logger, string model, string sha256);

        [LoggerMessage(6103, LogLevel.Warning, "Refused {Name}@{Version}: {Reason}")]
        public static partial void Refused(ILogger logger, string name, string version, string reason);

        [LoggerMessage(6104, LogLevel.Warning, "Download of {Name}@{Version} failed (attempt {Attempt}), will resume: {Problem}")]
        public static partial void DownloadRetry(ILogger logger, string name, string version, int attempt, string problem);

        [LoggerMessage(6105, LogLevel.Information, "Activated {Name} {From} -> {To}; probation {ProbationSeconds} s with the previous model kept loaded")]
        public static partial void Activated(ILogger logger, string name, string from, string to, int probationSeconds);

        [LoggerMessage(6106, LogLevel.Warning, "Rolled {Name} back from {From} to {To}: {Reason}")]
        public static partial void RolledBack(ILogger logger, string name, string from, string to, string reason);

        [LoggerMessage(6107, LogLevel.Information, "Switched {Name} from {From} to {To} as the model slots say: {Change}")]
        public static partial void Followed(ILogger logger, string name, string from, string to, string change);

        [LoggerMessage(6108, LogLevel.Warning, "Cannot resume the candidate {Name}@{Version}: {Problem}")]
        public static partial void ResumeFailed(ILogger logger, string name, string version, string problem);

        [LoggerMessage(6110, LogLevel.Error, "Model update step failed ({Failures} in a row); the live model keeps serving and the step is tried again")]
        public static partial void TickFailed(ILogger logger, Exception exception, long failures);

        [LoggerMessage(6109, LogLevel.Information, "Running {Model} beside the live model: {Why}")]
        public static partial void Shadowing(ILogger logger, string model, string why);
    }
}
