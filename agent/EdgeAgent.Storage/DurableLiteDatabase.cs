using LiteDB;

namespace EdgeAgent.Storage;

/// <summary>
/// A LiteDB database whose commits reach the disk once per call of <see cref="Flush"/>, not once per page.
/// <para>
/// LiteDB 5.0.21 writes a transaction's pages into its log file (<c>&lt;name&gt;-log.db</c>) at commit and never
/// flushes that file: a commit survives the process, not a power cut. (5.0.20 flushed it, but after every page: its
/// writer ran inline on the committing thread, so one batch of windows cost hundreds of fsyncs.) Here the data and log
/// files are opened by us and handed to LiteDB as streams, so the owner calls <see cref="Flush"/> after each operation
/// that wrote (one fsync of the log, only when something was written since the last one; callers flushing at the same
/// time share it), before it tells anyone the data is stored; it may do so outside its own lock. Checkpoints copy the
/// log into the data file and flush that file themselves.
/// </para>
/// The files are those LiteDB opens for the same file name, so a database opened either way opens the other way too.
/// </summary>
public sealed class DurableLiteDatabase : IDisposable
{
    private readonly TrackedFile _data;
    private readonly TrackedFile _log;
    private bool _disposed;

    public DurableLiteDatabase(string path, BsonMapper? mapper = null)
    {
        _data = new TrackedFile(path);
        try
        {
            _log = new TrackedFile(LogPath(path));
            // A mapper of its own: LiteDB 5.0.21 publishes a type's mapper before filling it, so two databases mapping
            // the same type at once on the shared global mapper may see it empty ("Member X not found").
            Database = new LiteDatabase(_data, mapper ?? new BsonMapper(), _log);
        }
        catch
        {
            _log?.Dispose();
            _data.Dispose();
            throw;
        }
    }

    public LiteDatabase Database { get; }

    /// <summary>Fsyncs of the log so far (diagnostics: one per flush that had something to make durable).</summary>
    public long Fsyncs => _log.Fsyncs;

    /// <summary>The log file LiteDB keeps beside <paramref name="path"/> (its naming: "cloud.db" → "cloud-log.db").</summary>
    public static string LogPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    /// <summary>Makes every commit so far durable: one fsync of the log when it was written since the last call, else nothing.</summary>
    public void Flush() => _log.FlushToDisk();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Database.Dispose(); // checkpoints the log into the data file (flushed) and empties the log
        _log.Dispose();
        _data.Dispose();
        var log = new FileInfo(_log.Name);
        if (log.Exists && log.Length == 0)
        {
            log.Delete(); // as LiteDB does with its own files
        }
    }

    /// <summary>
    /// One of the two files as LiteDB sees it. Writes are counted, so that <see cref="FlushToDisk"/> knows whether an
    /// fsync is needed and whether one that covers the caller's writes has already finished (callers flushing at once
    /// share one). LiteDB's own flushes (the data file at a checkpoint, before the log is emptied) are fsyncs too: it
    /// flushes a <see cref="FileStream"/> to disk, and would only flush a stream's buffers.
    /// </summary>
    private sealed class TrackedFile(string path) : Stream
    {
        private readonly FileStream _file = new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
        private readonly Lock _flushing = new();
        private long _written;
        private long _durable;
        private long _fsyncs;
        private bool _disposed;

        public string Name => _file.Name;

        public long Fsyncs => Interlocked.Read(ref _fsyncs);

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => true;

        public override long Length => _file.Length;

        public override long Position
        {
            get => _file.Position;
            set => _file.Position = value;
        }

        public override void Flush() => FlushToDisk();

        /// <summary>Returns once every write made before the call is on disk.</summary>
        public void FlushToDisk()
        {
            long target = Interlocked.Read(ref _written);
            if (Interlocked.Read(ref _durable) >= target)
            {
                return;
            }

            lock (_flushing)
            {
                long upTo = Interlocked.Read(ref _written); // writes before this point are in the file: the fsync covers them
                if (_durable >= target)
                {
                    return; // another caller's fsync, started after our writes, covered them
                }

                _file.Flush(flushToDisk: true);
                Interlocked.Exchange(ref _durable, upTo);
                Interlocked.Increment(ref _fsyncs);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => _file.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);

        public override void SetLength(long value)
        {
            _file.SetLength(value);
            Interlocked.Increment(ref _written);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _file.Write(buffer, offset, count);
            Interlocked.Increment(ref _written);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                FlushToDisk();
                _file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
