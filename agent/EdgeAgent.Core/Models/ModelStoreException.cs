namespace EdgeAgent.Core.Models;

/// <summary>A model missing from the store, or a store entry that is damaged; the message says which and how to fix it.</summary>
public sealed class ModelStoreException : Exception
{
    public ModelStoreException()
    {
    }

    public ModelStoreException(string message)
        : base(message)
    {
    }

    public ModelStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
