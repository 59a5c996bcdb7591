namespace EdgeCloud.Ingest;

/// <summary>
/// The store refused this one window, alone (its batch was retried message by message and the others were stored),
/// or it breaks a <see cref="Storage.WindowLimits"/> limit: sending it again cannot help.
/// </summary>
public sealed class PoisonWindowException(string message, Exception? inner = null) : Exception(message, inner);
