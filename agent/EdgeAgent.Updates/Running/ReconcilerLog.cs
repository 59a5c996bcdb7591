using Microsoft.Extensions.Logging;

namespace EdgeAgent.Updates.Running;

internal static partial class ReconcilerLog
{
    [LoggerMessage(6100, LogLevel.Information, "Desired state {Version} from the cloud: {Models}")]
    public static partial void Desired(ILogger logger, long version, string models);

    [LoggerMessage(6101, LogLevel.Error, "{Command} failed")]
    public static partial void CommandFailed(ILogger logger, Exception exception, string command);

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

    [LoggerMessage(6108, LogLevel.Warning, "Technician intent {Intent} refused: {Problem}")]
    public static partial void IntentRefused(ILogger logger, string intent, string problem);

    [LoggerMessage(6109, LogLevel.Information, "Running {Model} beside the live model: {Why}")]
    public static partial void Shadowing(ILogger logger, string model, string why);

    [LoggerMessage(6111, LogLevel.Information, "Plan: {Plan}")]
    public static partial void Planned(ILogger logger, string plan);

    [LoggerMessage(6112, LogLevel.Information, "Technician intent {Intent} applied: {Change}")]
    public static partial void IntentApplied(ILogger logger, string intent, string change);

    [LoggerMessage(6113, LogLevel.Warning, "Undid {Command}: {Problem}")]
    public static partial void Undone(ILogger logger, string command, string problem);
}
