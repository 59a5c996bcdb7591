using Microsoft.Extensions.Logging;

namespace EdgeAgent.Core.Audio;

internal static partial class AudioLog
{
    [LoggerMessage(1000, LogLevel.Information, "Audio source {Source} opened at {SampleRate} Hz, {Channels} channel(s)")]
    public static partial void SourceOpened(ILogger logger, string source, int sampleRate, int channels);

    [LoggerMessage(1001, LogLevel.Information, "Audio source {Source} ended after {Seconds:F1} s")]
    public static partial void SourceEnded(ILogger logger, string source, double seconds);

    [LoggerMessage(1002, LogLevel.Warning, "Audio source {Source} failed: {Problem}; retrying in {RetrySeconds:F1} s")]
    public static partial void SourceFault(ILogger logger, string source, string problem, double retrySeconds);

    [LoggerMessage(1003, LogLevel.Error, "Audio capture from {Source} failed unexpectedly")]
    public static partial void CaptureCrashed(ILogger logger, Exception exception, string source);
}
