namespace EdgeCloud.Clips;

/// <summary>The clip key cannot be read: the message names the file (or the database) and the problem.</summary>
public sealed class ClipKeyException(string message, Exception? inner = null) : Exception(message, inner);
