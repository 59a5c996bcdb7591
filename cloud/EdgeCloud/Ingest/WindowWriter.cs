using System.Threading.Channels;
using EdgeCloud.Storage;

namespace EdgeCloud.Ingest;

/// <summary>
/// Group commit for windows: concurrent ingests queue here and one writer stores whatever has gathered (up to
/// <see cref="MaxBatch"/>) in one transaction, so a fleet's windows cost one disk flush per batch instead of one each.
/// Each caller's task completes only once its window is committed, so a PUBACK still means stored.
/// </summary>
public sealed partial class WindowWriter : IAsyncDisposable
{
    public const int MaxBatch = 512;
    private readonly ICloudStore _store;
    private readonly ILogger<WindowWriter> _logger;
    private readonly Channel<(WindowRecord Window, TaskCompletionSource<bool> Done)> _queue = Channel.CreateUnbounded<(WindowRecord, TaskCompletionSource<bool>)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public WindowWriter(ICloudStore store, ILogger<WindowWriter> logger)
    {
        _store = store;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>True when stored, false when it was a duplicate.</summary>
    public Task<bool> AddAsync(WindowRecord window)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((window, done)))
        {
            done.SetException(new ObjectDisposedException(nameof(WindowWriter)));
        }

        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    [LoggerMessage(5300, LogLevel.Error, "Storing a batch of {Count} windows failed; their devices will send them again")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    private async Task WriteLoopAsync()
    {
        var batch = new List<(WindowRecord Window, TaskCompletionSource<bool> Done)>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                IReadOnlyList<bool> added = await _store.AddWindowsAsync(batch.Select(b => b.Window).ToList());
                for (int i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.SetResult(added[i]);
                }
            }
            catch (Exception ex)
            {
                LogBatchFailed(_logger, ex, batch.Count);
                batch.ForEach(b => b.Done.SetException(ex));
            }

            batch.Clear();
        }
    }
}
