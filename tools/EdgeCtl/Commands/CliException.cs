namespace EdgeCtl.Commands;

/// <summary>A problem with what the user asked for; printed as one line, exit code <see cref="ExitCode"/>.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.BadInput) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
