namespace EdgeAgent.Core.Audio;

/// <summary>An audio file or device that cannot be read; the message names the source and the problem.</summary>
public sealed class AudioSourceException : Exception
{
    public AudioSourceException()
    {
    }

    public AudioSourceException(string message)
        : base(message)
    {
    }

    public AudioSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
