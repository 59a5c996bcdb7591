using System.Globalization;
using System.Text;
using EdgeAgent.Contracts;
using LiteDB;

namespace EdgeCloud.Storage;

/// <summary>
/// Rollups in LiteDB: a window's id goes into <c>rollup_pending</c> in the transaction that stores it; a roll-up reads
/// a batch of them a chunk at a time (the windows themselves from memory when this process stored them), merges outside
/// the store's lock (so ingest goes on), and writes the rows and removes the batch in one transaction. One roll-up or
/// prune runs at a time (the gate), so the rows read are still the rows written over.
/// Row ids are hex-encoded keys: LiteDB compares ids without case, label values may differ only in case.
/// </summary>
public sealed partial class LiteDbCloudStore
{
    private const int SchemaRollups = 1;

    /// <summary>Queued windows read under the store's lock at a time (a few milliseconds; ingest goes on in between).</summary>
    private const int ReadChunk = 500;

    /// <summary>Windows this process committed, for the roll-up to take without reading them back.</summary>
    private readonly RecentWindows _recent = new();

    private readonly SemaphoreSlim _rollupGate = new(1, 1);
    private ILiteCollection<BsonDocument> _pending = null!;
    private ILiteCollection<BsonDocument> _deviceRollups = null!;
    private ILiteCollection<BsonDocument> _cohortRollups = null!;

    public async Task<int> RollUpAsync(string instance, int maxWindows, CancellationToken cancellationToken = default)
    {
        await _rollupGate.WaitAsync(cancellationToken);
        try
        {
            // Queued windows are read a chunk at a time and merged outside the lock, so ingest goes on in between.
            var ids = new List<BsonValue>();
            var builder = new RollupBuilder();
            var devices = new Dictionary<string, DeviceRecord?>(StringComparer.Ordinal);
            BsonValue after = BsonValue.MinValue;
            while (ids.Count < maxWindows)
            {
                int wanted = Math.Min(ReadChunk, maxWindows - ids.Count);
                var chunk = new List<(string DeviceId, DateTimeOffset End, byte[] Profile, DeviceRecord? Device)>(wanted);
                int taken = await Locked(() =>
                {
                    int n = 0;
                    foreach (BsonDocument p in _pending.Find(Query.GT("_id", after), 0, wanted))
                    {
                        n++;
                        ids.Add(after = p["_id"]);
                        (string DeviceId, DateTimeOffset End, byte[] Profile)? window = null;
                        if (_recent.TryTake(p["_id"].AsString, out WindowRecord? kept))
                        {
                            window = (kept.DeviceId, kept.WindowEnd, kept.Profile);
                        }
                        else if (_rawWindows.FindById(p["_id"]) is { } w)
                        {
                            window = (w[nameof(WindowDoc.DeviceId)].AsString, Utc(w[nameof(WindowDoc.WindowEnd)].AsDateTime), w[nameof(WindowDoc.Profile)].AsBinary);
                        }

                        if (window is { } q)
                        {
                            if (!devices.TryGetValue(q.DeviceId, out DeviceRecord? device))
                            {
                                devices[q.DeviceId] = device = _devices.FindById(q.DeviceId)?.ToRecord();
                            }

                            chunk.Add((q.DeviceId, q.End, q.Profile, device));
                        }
                    }

                    return n;
                });
                foreach ((string deviceId, DateTimeOffset end, byte[] profile, DeviceRecord? device) in chunk)
                {
                    builder.Add(deviceId, end, profile, device);
                }

                if (taken < wanted)
                {
                    break;
                }
            }

            if (ids.Count == 0)
            {
                return 0;
            }

            var storedDevices = new Dictionary<(string, DateTimeOffset), DeviceRollup>();
            var storedCohorts = new Dictionary<CohortKey, CohortRollup>();
            await Locked(() =>
            {
                foreach ((string deviceId, DateTimeOffset hour) in builder.DeviceKeys)
                {
                    if (_deviceRollups.FindById(DeviceRowId(deviceId, hour, instance)) is { } d)
                    {
                        storedDevices[(deviceId, hour)] = ToDeviceRollup(d);
                    }
                }

                foreach (CohortKey key in builder.CohortKeys)
                {
                    if (_cohortRollups.FindById(CohortRowId(key, instance)) is { } c)
                    {
                        storedCohorts[key] = ToCohortRollup(c);
                    }
                }
            });
            IReadOnlyList<DeviceRollup> deviceRows = builder.MergeDevices(instance, storedDevices);
            IReadOnlyList<CohortRollup> cohortRows = builder.MergeCohorts(instance, storedCohorts);
            await Locked(() =>
            {
                _db.BeginTrans();
                try
                {
                    foreach (DeviceRollup d in deviceRows)
                    {
                        _deviceRollups.Upsert(new BsonDocument
                        {
                            ["_id"] = DeviceRowId(d.DeviceId, d.Hour, instance), ["DeviceId"] = d.DeviceId, ["Hour"] = d.Hour.UtcDateTime,
                            ["Instance"] = instance, ["Windows"] = d.Windows, ["Profile"] = d.Profile,
                        });
                    }

                    foreach (CohortRollup c in cohortRows)
                    {
                        _cohortRollups.Upsert(new BsonDocument
                        {
                            ["_id"] = CohortRowId(new CohortKey(c.Label, c.Value, c.Grain, c.Bucket), instance), ["Label"] = c.Label, ["Value"] = c.Value,
                            ["Grain"] = (int)c.Grain, ["Bucket"] = c.Bucket.UtcDateTime, ["Instance"] = instance, ["Windows"] = c.Windows,
                            ["Devices"] = new BsonArray(c.Devices.Select(d => new BsonValue(d))), ["Profile"] = c.Profile,
                        });
                    }

                    foreach (BsonValue id in ids)
                    {
                        _pending.Delete(id);
                    }

                    _db.Commit();
                }
                catch
                {
                    _db.Rollback();
                    throw;
                }
            });
            return ids.Count;
        }
        finally
        {
            _rollupGate.Release();
        }
    }

    public Task<long> PendingRollupsAsync(CancellationToken cancellationToken = default) => Locked(() => _pending.LongCount());

    public Task<IReadOnlyList<CohortRollup>> ListCohortRollupsAsync(string label, RollupGrain grain, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        Locked<IReadOnlyList<CohortRollup>>(() =>
        {
            string prefix = $"{Hex(label)}|{(int)grain}|";
            return _cohortRollups.Find(Query.Between("_id", prefix + BucketText(from), prefix + BucketText(to)))
                .Select(ToCohortRollup).Where(c => c.Label == label && c.Grain == grain && c.Bucket >= from && c.Bucket < to).ToList();
        });

    public Task<IReadOnlyList<DeviceRollup>> ListDeviceRollupsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        Locked<IReadOnlyList<DeviceRollup>>(() =>
        {
            string prefix = Hex(deviceId) + "|";
            return _deviceRollups.Find(Query.Between("_id", prefix + BucketText(from), prefix + BucketText(to)))
                .Select(ToDeviceRollup).Where(d => d.DeviceId == deviceId && d.Hour >= from && d.Hour < to).OrderBy(d => d.Hour).ToList();
        });

    public async Task<int> PruneAsync(RetentionCutoffs cutoffs, int batch, CancellationToken cancellationToken = default)
    {
        await _rollupGate.WaitAsync(cancellationToken);
        try
        {
            int removed = await Locked(() => DeleteBatch(_rawWindows, Query.LT(nameof(WindowDoc.WindowEnd), cutoffs.WindowsBefore.UtcDateTime), batch));
            removed += await Locked(() => DeleteBatch(_deviceRollups, Query.LT("Hour", cutoffs.HourlyBefore.UtcDateTime), batch));
            removed += await Locked(() => DeleteBatch(_cohortRollups, Query.And(Query.LT("Bucket", cutoffs.HourlyBefore.UtcDateTime), Query.EQ("Grain", (int)RollupGrain.Hour)), batch));
            removed += await Locked(() => DeleteBatch(_cohortRollups, Query.And(Query.LT("Bucket", cutoffs.DailyBefore.UtcDateTime), Query.EQ("Grain", (int)RollupGrain.Day)), batch));
            return removed;
        }
        finally
        {
            _rollupGate.Release();
        }
    }

    private int DeleteBatch(ILiteCollection<BsonDocument> collection, BsonExpression predicate, int batch)
    {
        List<BsonValue> ids = collection.Find(predicate, 0, batch).Select(d => d["_id"]).ToList();
        if (ids.Count == 0)
        {
            return 0;
        }

        _db.BeginTrans();
        foreach (BsonValue id in ids)
        {
            collection.Delete(id);
        }

        _db.Commit();
        return ids.Count;
    }

    private void OpenRollups()
    {
        _pending = _db.GetCollection("rollup_pending");
        _deviceRollups = _db.GetCollection("device_rollups");
        _deviceRollups.EnsureIndex("Hour");
        _cohortRollups = _db.GetCollection("cohort_rollups");
        _cohortRollups.EnsureIndex("Bucket");
        if (_db.UserVersion < SchemaRollups)
        {
            // A database from before rollups: roll up the windows it holds, once.
            _db.BeginTrans();
            foreach (BsonDocument w in _rawWindows.Query().Select("{ _id }").ToEnumerable())
            {
                _pending.Upsert(new BsonDocument { ["_id"] = w["_id"] });
            }

            _db.Commit();
            _db.UserVersion = SchemaRollups;
        }
    }

    /// <summary>Queues a window just stored for the roll-up (inside the storing transaction).</summary>
    private void EnqueueRollup(string windowId) => _pending.Insert(new BsonDocument { ["_id"] = windowId });

    private static string Hex(string text) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(text));

    private static string BucketText(DateTimeOffset bucket) => bucket.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    private static string DeviceRowId(string deviceId, DateTimeOffset hour, string instance) => $"{Hex(deviceId)}|{BucketText(hour)}|{Hex(instance)}";

    private static string CohortRowId(CohortKey key, string instance) =>
        $"{Hex(key.Label)}|{(int)key.Grain}|{BucketText(key.Bucket)}|{Hex(key.Value)}|{Hex(instance)}";

    private static DeviceRollup ToDeviceRollup(BsonDocument d) =>
        new(d["DeviceId"].AsString, Utc(d["Hour"].AsDateTime), d["Instance"].AsString, d["Windows"].AsInt64, d["Profile"].AsBinary);

    private static CohortRollup ToCohortRollup(BsonDocument c) => new(
        c["Label"].AsString, c["Value"].AsString, (RollupGrain)c["Grain"].AsInt32, Utc(c["Bucket"].AsDateTime), c["Instance"].AsString, c["Windows"].AsInt64,
        c["Devices"].AsArray.Select(d => d.AsString).ToList(), c["Profile"].AsBinary);
}
