using EdgeAgent.Storage;
using LiteDB;

namespace EdgeAgent.Link;

/// <summary>
/// Store-and-forward queue in LiteDB (<c>&lt;DataDir&gt;/outbox.db</c>): every summary, event and command ack is written
/// here first, in one transaction with its sequence number, and deleted only after the broker acknowledged it, so
/// nothing is lost across a broker outage, a kill -9 or a power cut (a message in flight may be sent twice; the cloud
/// removes duplicates). Bounded in bytes: when full, the oldest telemetry goes first and alarms/events last; every
/// drop is counted and the count survives restarts. Thread-safe.
/// </summary>
public sealed class Outbox : IDisposable
{
    public const string Telemetry = "telemetry";
    public const string Event = "event";

    private const string DroppedCounter = "dropped";
    private readonly DurableLiteDatabase _file;
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<OutboxRecord> _messages;
    private readonly ILiteCollection<CounterRecord> _counters;
    private readonly long _maxBytes;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _available = new(0);
    private long _bytes;

    public Outbox(string dataDir, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1024);
        Directory.CreateDirectory(dataDir);
        _maxBytes = maxBytes;
        _file = new DurableLiteDatabase(Path.Combine(dataDir, "outbox.db"));
        _db = _file.Database;
        _messages = _db.GetCollection<OutboxRecord>("outbox");
        _counters = _db.GetCollection<CounterRecord>("counters");
        _bytes = _messages.FindAll().Sum(m => (long)m.Payload.Length);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _messages.Count();
            }
        }
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Messages dropped because the outbox was full, since the device first ran.</summary>
    public long Dropped
    {
        get
        {
            lock (_lock)
            {
                return _counters.FindById(DroppedCounter)?.Value ?? 0;
            }
        }
    }

    /// <summary>
    /// Takes the next number of <paramref name="sequence"/>, builds the message with it and stores it, atomically:
    /// a number is used once, whether or not the process dies right after.
    /// </summary>
    public ulong Enqueue(string sequence, string kind, string topic, bool retain, Func<ulong, byte[]> payload)
    {
        lock (_lock)
        {
            _db.BeginTrans();
            try
            {
                CounterRecord counter = _counters.FindById(sequence) ?? new CounterRecord { Id = sequence };
                counter.Value++;
                var seq = (ulong)counter.Value;
                byte[] bytes = payload(seq);
                _counters.Upsert(counter);
                _messages.Insert(new OutboxRecord { Kind = kind, Topic = topic, Retain = retain, Payload = bytes });
                _bytes += bytes.Length;
                TrimLocked();
                _db.Commit();
                _file.Flush(); // on disk before anyone may send it
                _available.Release();
                return seq;
            }
            catch
            {
                _db.Rollback();
                _bytes = _messages.FindAll().Sum(m => (long)m.Payload.Length);
                throw;
            }
        }
    }

    /// <summary>Increments and returns a persisted counter (e.g. the MQTT birth/death sequence).</summary>
    public long Next(string counterName)
    {
        lock (_lock)
        {
            CounterRecord counter = _counters.FindById(counterName) ?? new CounterRecord { Id = counterName };
            counter.Value++;
            _counters.Upsert(counter);
            _file.Flush(); // a number handed out is never handed out again, even after a power cut
            return counter.Value;
        }
    }

    /// <summary>The oldest messages, in the order they were written.</summary>
    public IReadOnlyList<OutboxMessage> Peek(int max)
    {
        lock (_lock)
        {
            return _messages.Query().OrderBy(m => m.Id).Limit(max).ToList()
                .Select(m => new OutboxMessage(m.Id, m.Kind, m.Topic, m.Retain, m.Payload)).ToList();
        }
    }

    /// <summary>Deletes a message the broker acknowledged (or refused for good).</summary>
    public void Remove(long id)
    {
        lock (_lock)
        {
            OutboxRecord? record = _messages.FindById(id);
            if (record is not null && _messages.Delete(id))
            {
                _bytes -= record.Payload.Length;
            }

            // Not flushed: a removal lost to a power cut only sends the message again (the cloud drops the duplicate),
            // and draining a backlog after an outage then costs no fsync per message. The next enqueue flushes it.
        }
    }

    /// <summary>Waits until a message is enqueued (or the timeout passes).</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _available.WaitAsync(timeout, cancellationToken);

    public void Dispose()
    {
        _file.Dispose();
        _available.Dispose();
    }

    private void TrimLocked()
    {
        long dropped = 0;
        while (_bytes > _maxBytes)
        {
            OutboxRecord? victim = _messages.Query().Where(m => m.Kind == Telemetry).OrderBy(m => m.Id).FirstOrDefault()
                ?? _messages.Query().OrderBy(m => m.Id).FirstOrDefault();
            if (victim is null)
            {
                break;
            }

            _messages.Delete(victim.Id);
            _bytes -= victim.Payload.Length;
            dropped++;
        }

        if (dropped > 0)
        {
            CounterRecord counter = _counters.FindById(DroppedCounter) ?? new CounterRecord { Id = DroppedCounter };
            counter.Value += dropped;
            _counters.Upsert(counter);
        }
    }

    internal sealed class OutboxRecord
    {
        public long Id { get; set; }

        public string Kind { get; set; } = "";

        public string Topic { get; set; } = "";

        public bool Retain { get; set; }

        public byte[] Payload { get; set; } = [];
    }

    internal sealed class CounterRecord
    {
        public string Id { get; set; } = "";

        public long Value { get; set; }
    }
}

public sealed record OutboxMessage(long Id, string Kind, string Topic, bool Retain, byte[] Payload);
