using System.Threading.Channels;

namespace EdgeAgent.Service.Recording;

/// <summary>
/// Writes items on its own thread, in batches, so that whoever hands them over never waits for a slow disk (the
/// shape of Serilog's <c>BatchingSink</c>): a bounded channel with one reader; a full queue drops the new item and
/// counts it; a failed batch is retried with an exponential backoff and given up (counted) after
/// <see cref="RecorderOptions.Attempts"/>; <see cref="DisposeAsync"/> stops taking items and drains the queue (retrying
/// at once, without the backoff). One log line per event: failing, recovered, given up, queue full, drops.
/// </summary>
internal sealed class BatchingRecorder<T> : IAsyncDisposable
{
    private readonly string _name;
    private readonly IBatchWriter<T> _writer;
    private readonly RecorderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<T> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _dropped;
    private long _written;
    private long _failed;
    private long _dropsSeen;
    private long _dropsBefore;
    private bool _dropping;
    private DateTimeOffset? _failingSince;

    public BatchingRecorder(string name, IBatchWriter<T> writer, RecorderOptions options, TimeProvider time, ILogger logger)
    {
        _name = name;
        _writer = writer;
        _options = options;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<T>(new BoundedChannelOptions(options.QueueLimit)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite on a full queue returns false at once: the new item is dropped
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Items handed over but dropped: the queue was full, or the recorder was stopping.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Items written.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Items given up after <see cref="RecorderOptions.Attempts"/> failed writes.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Items waiting.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>Hands an item over without blocking; false (and counted) when the queue is full or stopping.</summary>
    public bool TryRecord(T item)
    {
        if (_queue.Writer.TryWrite(item))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>Stops taking items and waits until the queued ones are written or given up.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
        RecorderLog.Stopped(_logger, _name, Written, Dropped, Failed);
    }

    private async Task RunAsync()
    {
        ChannelReader<T> reader = _queue.Reader;
        var batch = new List<T>(_options.BatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _options.BatchSize && reader.TryRead(out T? item))
            {
                batch.Add(item);
            }

            await WriteAsync(batch).ConfigureAwait(false);
            batch.Clear();
            NoteDrops(reader.Count);
        }

        NoteDrops(0);
        if (_dropping)
        {
            EndDrops();
        }
    }

    private async Task WriteAsync(List<T> batch)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                _writer.Write(batch);
                Interlocked.Add(ref _written, batch.Count);
                if (_failingSince is { } since)
                {
                    RecorderLog.Recovered(_logger, _name, (_time.GetUtcNow() - since).TotalSeconds);
                    _failingSince = null;
                }

                return;
            }
            catch (Exception ex)
            {
                if (_failingSince is null)
                {
                    _failingSince = _time.GetUtcNow();
                    RecorderLog.Failing(_logger, ex, _name, _options.BackoffSeconds, _options.MaxBackoffSeconds);
                }

                if (attempt >= _options.Attempts)
                {
                    long failed = Interlocked.Add(ref _failed, batch.Count);
                    RecorderLog.GaveUp(_logger, _name, batch.Count, attempt, failed);
                    return;
                }

                TimeSpan delay = Backoff(attempt);
                Task wait = Task.Delay(delay, _time, _stopping.Token);
                RecorderLog.Retrying(_logger, _name, attempt, delay.TotalSeconds, ex.Message); // once the clock is set
                await WaitAsync(wait).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The wait after the <paramref name="attempt"/>-th failure: doubling from the first backoff, capped.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        double seconds = _options.BackoffSeconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, Math.Max(_options.BackoffSeconds, _options.MaxBackoffSeconds)));
    }

    private static async Task WaitAsync(Task wait)
    {
        try
        {
            await wait.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the remaining attempts run at once so that the drain ends.
        }
    }

    /// <summary>Logs when drops begin and, once the queue has room again, how many there were.</summary>
    private void NoteDrops(int queued)
    {
        long dropped = Dropped;
        if (dropped != _dropsSeen)
        {
            if (!_dropping)
            {
                _dropping = true;
                _dropsBefore = _dropsSeen;
                RecorderLog.QueueFull(_logger, _name, _options.QueueLimit);
            }

            _dropsSeen = dropped;
        }
        else if (_dropping && queued < _options.QueueLimit)
        {
            EndDrops();
        }
    }

    private void EndDrops()
    {
        _dropping = false;
        RecorderLog.Dropped(_logger, _name, _dropsSeen - _dropsBefore, _dropsSeen);
    }
}
