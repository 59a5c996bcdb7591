namespace EdgeAgent.Speech.Streaming;

/// <summary>The embedding model's graph is not the chain streaming evaluation can cut; the message says where and why.</summary>
public sealed class StreamingGraphException : Exception
{
    public StreamingGraphException()
    {
    }

    public StreamingGraphException(string message)
        : base(message)
    {
    }

    public StreamingGraphException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
