namespace EdgeAgent.Service.Recording;

/// <summary>What a <see cref="BatchingRecorder{T}"/> writes with, on its own thread.</summary>
/// <remarks>
/// A failed batch is offered again (after a backoff), whole: the writer keeps its own per-item progress so that a
/// retry neither stores nor sends an item twice.
/// </remarks>
internal interface IBatchWriter<T>
{
    void Write(IReadOnlyList<T> batch);
}
