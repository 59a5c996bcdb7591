using System.Threading.Channels;
using EdgeCloud.Storage;

namespace EdgeCloud.Ingest;

/// <summary>
/// Group commit for windows: concurrent ingests queue here and one writer stores whatever has gathered (up to
/// <see cref="MaxBatch"/>) in one transaction, so a fleet's windows cost one disk flush per batch instead of one each.
/// Each caller's task completes only once its window is committed, so a PUBACK still means stored. A batch the store
/// refuses is written again window by window, so that one bad window costs only its own sender: it fails with
/// <see cref="PoisonWindowException"/> while the others are stored (when every one fails alone too, the store itself is
/// failing, and each caller gets the store's exception so that its device sends again later).
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
    /// <exception cref="PoisonWindowException">The window breaks a store limit, or the store refused it alone.</exception>
    public Task<bool> AddAsync(WindowRecord window)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (WindowLimits.Check(window) is { } problem)
        {
            done.SetException(new PoisonWindowException(problem));
        }
        else if (!_queue.Writer.TryWrite((window, done)))
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

    [LoggerMessage(5301, LogLevel.Warning, "Storing a batch of {Count} windows failed; {Refused} of them failed alone too and were refused")]
    private static partial void LogPoisoned(ILogger logger, Exception exception, int count, int refused);

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
                await RetryOneByOneAsync(batch, ex);
            }

            batch.Clear();
        }
    }

    /// <summary>After a failed batch: each window alone, so that only the one the store refuses is lost to its sender.</summary>
    private async Task RetryOneByOneAsync(List<(WindowRecord Window, TaskCompletionSource<bool> Done)> batch, Exception batchFailure)
    {
        var failures = new Exception?[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            try
            {
                failures[i] = null;
                bool added = (await _store.AddWindowsAsync([batch[i].Window]))[0];
                batch[i].Done.SetResult(added);
            }
            catch (Exception ex)
            {
                failures[i] = ex;
            }
        }

        int failed = failures.Count(f => f is not null);
        if (failed == batch.Count && batch.Count > 0)
        {
            // Nothing could be stored: the store is failing, not a window. The devices send them again.
            LogBatchFailed(_logger, batchFailure, batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].Done.SetException(failures[i]!);
            }

            return;
        }

        LogPoisoned(_logger, batchFailure, batch.Count, failed);
        for (int i = 0; i < batch.Count; i++)
        {
            if (failures[i] is { } f)
            {
                batch[i].Done.SetException(new PoisonWindowException($"the store refused this window: {f.Message}", f));
            }
        }
    }
}
