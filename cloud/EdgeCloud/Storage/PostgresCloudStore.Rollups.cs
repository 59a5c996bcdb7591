using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeAgent.Contracts;
using Npgsql;

namespace EdgeCloud.Storage;

/// <summary>
/// Rollups and retention in PostgreSQL. Windows are partitioned by day of their end (<c>windows_pYYYYMMDD</c>, made on
/// demand), so pruning drops whole partitions. The insert queues each newly inserted window in <c>rollup_pending</c> in the
/// same statement (a conflicting duplicate inserts nothing, so only new windows are queued; a row trigger does it for
/// inserts by an older version). A roll-up claims queued windows with
/// FOR UPDATE SKIP LOCKED and deletes them in the same statement (instances share the queue, each window is taken once;
/// a roll-up that fails rolls back and leaves them queued), and merges them into its instance's rows under that
/// instance's advisory lock, in the same transaction.
/// </summary>
public sealed partial class PostgresCloudStore
{
    private const long PartitionLock = 0x45646765506172;

    /// <summary>Set for its transaction by an insert that queues its windows for the roll-up itself.</summary>
    private const string QueuedByInsertSetting = "edgecloud.queued_by_insert";
    private readonly ConcurrentDictionary<DateTime, byte> _partitions = new();

    /// <summary>Windows this process committed, for its roll-up to take without reading them back.</summary>
    private readonly RecentWindows _recent = new();

    public async Task<int> RollUpAsync(string instance, int maxWindows, CancellationToken cancellationToken = default)
    {
        await using NpgsqlConnection connection = await _data.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, "select pg_advisory_xact_lock($1)", cancellationToken, InstanceLock(instance));
        var keys = (Devices: new List<string>(), Boots: new List<string>(), Seqs: new List<long>(), Ends: new List<DateTime>());
        var windows = new List<(string DeviceId, DateTimeOffset End, byte[] Profile)>();
        // Claimed and deleted in one statement (a rolled-back roll-up puts them back): one pass over the queue's rows.
        await using (var claim = new NpgsqlCommand(
            """
            delete from rollup_pending where ctid = any(array(select ctid from rollup_pending limit $1 for update skip locked))
            returning device_id, boot_id, seq, window_end
            """, connection, tx))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = maxWindows });
            await using NpgsqlDataReader r = await claim.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                keys.Devices.Add(r.GetString(0));
                keys.Boots.Add(r.GetString(1));
                keys.Seqs.Add(r.GetInt64(2));
                keys.Ends.Add(DateTime.SpecifyKind(r.GetDateTime(3), DateTimeKind.Utc));
            }
        }

        // Windows this process stored come from memory; the rest (another instance's, or from before a restart) are read.
        var missing = new List<int>();
        for (int i = 0; i < keys.Devices.Count; i++)
        {
            if (_recent.TryTake(keys.Devices[i], keys.Boots[i], (ulong)keys.Seqs[i], out WindowRecord? kept))
            {
                windows.Add((kept.DeviceId, new DateTimeOffset(keys.Ends[i]), kept.Profile));
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            await using var read = new NpgsqlCommand(
                """
                select w.device_id, w.window_end, w.profile
                from unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[]) as k(device_id, boot_id, seq, window_end)
                join windows w on w.device_id = k.device_id and w.boot_id = k.boot_id and w.seq = k.seq and w.window_end = k.window_end
                """, connection, tx);
            foreach (object a in new object[]
            {
                missing.Select(i => keys.Devices[i]).ToArray(), missing.Select(i => keys.Boots[i]).ToArray(),
                missing.Select(i => keys.Seqs[i]).ToArray(), missing.Select(i => keys.Ends[i]).ToArray(),
            })
            {
                read.Parameters.Add(Parameter(a));
            }

            await using NpgsqlDataReader r = await read.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                windows.Add((r.GetString(0), Time(r, 1), (byte[])r[2]));
            }
        }

        if (keys.Devices.Count == 0)
        {
            return 0;
        }

        Dictionary<string, DeviceRecord> devices = (await QueryDevicesAsync("where device_id = any($1)", cancellationToken, (object)keys.Devices.Distinct().ToArray()))
            .ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
        var builder = new RollupBuilder();
        foreach ((string deviceId, DateTimeOffset end, byte[] profile) in windows)
        {
            builder.Add(deviceId, end, profile, devices.GetValueOrDefault(deviceId));
        }

        IReadOnlyList<DeviceRollup> deviceRows = builder.MergeDevices(instance, await StoredDeviceRowsAsync(connection, tx, instance, builder, cancellationToken));
        IReadOnlyList<CohortRollup> cohortRows = builder.MergeCohorts(instance, await StoredCohortRowsAsync(connection, tx, instance, builder, cancellationToken));
        await using var write = new NpgsqlBatch(connection, tx);
        if (deviceRows.Count > 0) // every (device, hour) row of the round in one statement
        {
            write.BatchCommands.Add(Command(
                """
                insert into device_rollups (device_id, hour, instance, windows, profile)
                select device_id, hour, $3, windows, profile from unnest($1::text[], $2::timestamptz[], $4::bigint[], $5::bytea[]) as r(device_id, hour, windows, profile)
                on conflict (device_id, hour, instance) do update set windows = excluded.windows, profile = excluded.profile
                """,
                deviceRows.Select(d => d.DeviceId).ToArray(), deviceRows.Select(d => d.Hour.UtcDateTime).ToArray(), instance,
                deviceRows.Select(d => d.Windows).ToArray(), deviceRows.Select(d => d.Profile).ToArray()));
        }

        foreach (CohortRollup c in cohortRows)
        {
            write.BatchCommands.Add(Command(
                """
                insert into cohort_rollups (label, grain, bucket, value, instance, windows, devices, profile) values ($1, $2, $3, $4, $5, $6, $7, $8)
                on conflict (label, grain, bucket, value, instance) do update set windows = excluded.windows, devices = excluded.devices, profile = excluded.profile
                """, c.Label, (short)c.Grain, c.Bucket, c.Value, instance, c.Windows, c.Devices.ToArray(), c.Profile));
        }

        if (write.BatchCommands.Count > 0) // none when every claimed window was corrupt: they are dropped from the queue all the same
        {
            await write.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return keys.Devices.Count;
    }

    public async Task<long> PendingRollupsAsync(CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select count(*) from rollup_pending");
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<CohortRollup>> ListCohortRollupsAsync(string label, RollupGrain grain, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand(
            "select value, bucket, instance, windows, devices, profile from cohort_rollups where label = $1 and grain = $2 and bucket >= $3 and bucket < $4");
        foreach (object a in new object[] { label, (short)grain, from, to })
        {
            cmd.Parameters.Add(Parameter(a));
        }

        var list = new List<CohortRollup>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new CohortRollup(label, r.GetString(0), grain, Time(r, 1), r.GetString(2), r.GetInt64(3), (string[])r[4], (byte[])r[5]));
        }

        return list;
    }

    public async Task<IReadOnlyList<DeviceRollup>> ListDeviceRollupsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand(
            "select hour, instance, windows, profile from device_rollups where device_id = $1 and hour >= $2 and hour < $3 order by hour");
        foreach (object a in new object[] { deviceId, from, to })
        {
            cmd.Parameters.Add(Parameter(a));
        }

        var list = new List<DeviceRollup>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new DeviceRollup(deviceId, Time(r, 0), r.GetString(1), r.GetInt64(2), (byte[])r[3]));
        }

        return list;
    }

    public async Task<int> PruneAsync(RetentionCutoffs cutoffs, int batch, CancellationToken cancellationToken = default)
    {
        int removed = 0;
        await using (NpgsqlCommand list = _data.CreateCommand(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'windows'"))
        {
            var old = new List<string>();
            await using (NpgsqlDataReader r = await list.ExecuteReaderAsync(cancellationToken))
            {
                while (await r.ReadAsync(cancellationToken))
                {
                    string name = r.GetString(0);
                    if (DateTime.TryParseExact(name.AsSpan("windows_p".Length), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime day)
                        && day.AddDays(1) <= cutoffs.WindowsBefore.UtcDateTime)
                    {
                        old.Add(name);
                    }
                }
            }

            // A whole day of windows goes at once, without touching a row (and without holding up inserts into today's).
            foreach (string name in old.Take(Math.Max(1, batch / 1000)))
            {
                await ExecuteAsync($"drop table if exists {name}", cancellationToken);
                _partitions.TryRemove(DateTime.ParseExact(name["windows_p".Length..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), out _);
                removed++;
            }
        }

        removed += await ExecuteAsync("delete from device_rollups where ctid = any(array(select ctid from device_rollups where hour < $1 limit $2))", cancellationToken, cutoffs.HourlyBefore, batch);
        removed += await ExecuteAsync("delete from cohort_rollups where ctid = any(array(select ctid from cohort_rollups where grain = $1 and bucket < $2 limit $3))", cancellationToken, (short)RollupGrain.Hour, cutoffs.HourlyBefore, batch);
        removed += await ExecuteAsync("delete from cohort_rollups where ctid = any(array(select ctid from cohort_rollups where grain = $1 and bucket < $2 limit $3))", cancellationToken, (short)RollupGrain.Day, cutoffs.DailyBefore, batch);
        return removed;
    }

    /// <summary>Makes the day partitions these window ends fall in (once per day per process; instances serialise on a lock).</summary>
    private async Task EnsurePartitionsAsync(IEnumerable<DateTimeOffset> ends, CancellationToken cancellationToken)
    {
        List<DateTime> missing = ends.Select(e => RollupBuckets.Day(e).UtcDateTime).Distinct().Where(d => !_partitions.ContainsKey(d)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        await using NpgsqlConnection connection = await _data.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, "select pg_advisory_xact_lock($1)", cancellationToken, PartitionLock);
        foreach (DateTime day in missing)
        {
            await ExecuteAsync(connection, PartitionDdl(day), cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        foreach (DateTime day in missing.Where(d => d >= DateTime.UtcNow.Date.AddDays(-1)))
        {
            _partitions[day] = 0; // older days may be pruned by another instance: those are checked every time
        }
    }

    private static string PartitionDdl(DateTime day) => string.Create(CultureInfo.InvariantCulture,
        $"create table if not exists windows_p{day:yyyyMMdd} partition of windows for values from ('{day:yyyy-MM-dd}T00:00:00Z') to ('{day.AddDays(1):yyyy-MM-dd}T00:00:00Z')");

    /// <summary>
    /// The rollup tables, and windows partitioned by day. A database made before partitioning has its windows table
    /// moved into the partitioned one once (under the schema lock), every window queued for the roll-up on the way.
    /// </summary>
    private static async Task MigrateRollupsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(
            connection,
            """
            create table if not exists rollup_pending (
                device_id text not null, boot_id text not null, seq bigint not null, window_end timestamptz not null);
            -- A queue, read in whatever order and taken by row: only newly inserted windows enter it, so a key index
            -- would only cost each insert and each claim's delete an index entry (it was there before 2026-12-03).
            alter table rollup_pending drop constraint if exists rollup_pending_pkey;
            create table if not exists device_rollups (
                device_id text not null, hour timestamptz not null, instance text not null, windows bigint not null, profile bytea not null,
                primary key (device_id, hour, instance));
            create index if not exists device_rollups_by_hour on device_rollups (hour);
            create table if not exists cohort_rollups (
                label text not null, grain smallint not null, bucket timestamptz not null, value text not null, instance text not null,
                windows bigint not null, devices text[] not null, profile bytea not null, primary key (label, grain, bucket, value, instance));
            create index if not exists cohort_rollups_by_bucket on cohort_rollups (grain, bucket);
            create or replace function edgecloud_enqueue_rollup() returns trigger language plpgsql as $$
            begin
                insert into rollup_pending (device_id, boot_id, seq, window_end) values (new.device_id, new.boot_id, new.seq, new.window_end);
                return null;
            end $$;
            """,
            cancellationToken);
        await using (var kind = new NpgsqlCommand("select relkind::text from pg_class where relname = 'windows' and relnamespace = current_schema()::regnamespace", connection, tx))
        {
            if (await kind.ExecuteScalarAsync(cancellationToken) is "r")
            {
                const string columns = "device_id, boot_id, seq, window_start, window_end, received_at, verdict, duration_seconds, speech_seconds, detections, outbox_dropped, profile";
                await ExecuteAsync(
                    connection,
                    """
                    alter table windows rename to windows_unpartitioned;
                    alter table windows_unpartitioned rename constraint windows_pkey to windows_unpartitioned_pkey;
                    drop index if exists windows_by_end;
                    drop index if exists windows_by_device_end;
                    create table windows (
                        device_id text not null, boot_id text not null, seq bigint not null, window_start timestamptz not null,
                        window_end timestamptz not null, received_at timestamptz not null, verdict text, duration_seconds double precision not null,
                        speech_seconds double precision not null, detections jsonb not null, outbox_dropped bigint not null, profile bytea not null,
                        primary key (device_id, boot_id, seq, window_end)) partition by range (window_end);
                    create index windows_by_end on windows (window_end);
                    create index windows_by_device_end on windows (device_id, window_end);
                    create trigger windows_rollup after insert on windows for each row execute function edgecloud_enqueue_rollup();
                    """,
                    cancellationToken);
                var days = new List<DateTime>();
                await using (var distinct = new NpgsqlCommand("select distinct date_trunc('day', window_end, 'UTC') from windows_unpartitioned", connection, tx))
                await using (NpgsqlDataReader r = await distinct.ExecuteReaderAsync(cancellationToken))
                {
                    while (await r.ReadAsync(cancellationToken))
                    {
                        days.Add(DateTime.SpecifyKind(r.GetDateTime(0), DateTimeKind.Utc));
                    }
                }

                foreach (DateTime day in days)
                {
                    await ExecuteAsync(connection, PartitionDdl(day), cancellationToken);
                }

                await ExecuteAsync(connection, $"insert into windows ({columns}) select {columns} from windows_unpartitioned; drop table windows_unpartitioned", cancellationToken);
            }
        }

        // This version queues windows in its insert statement and tells the trigger so; an older instance's inserts
        // (during a rolling upgrade) are still queued by the trigger. Made conditional once.
        await using (var plain = new NpgsqlCommand("select count(*) from pg_trigger where tgname = 'windows_rollup' and tgrelid = 'windows'::regclass and tgqual is null", connection, tx))
        {
            if (await plain.ExecuteScalarAsync(cancellationToken) is long and > 0)
            {
                await ExecuteAsync(
                    connection,
                    $"""
                    drop trigger windows_rollup on windows;
                    create trigger windows_rollup after insert on windows for each row
                        when (current_setting('{QueuedByInsertSetting}', true) is distinct from 'on') execute function edgecloud_enqueue_rollup();
                    """,
                    cancellationToken);
            }
        }

        await tx.CommitAsync(cancellationToken);
    }

    private static async Task<IReadOnlyDictionary<(string DeviceId, DateTimeOffset Hour), DeviceRollup>> StoredDeviceRowsAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string instance, RollupBuilder builder, CancellationToken cancellationToken)
    {
        var keys = builder.DeviceKeys.ToList();
        await using NpgsqlCommand cmd = Command(connection, tx,
            "select device_id, hour, windows, profile from device_rollups where instance = $1 and (device_id, hour) in (select * from unnest($2::text[], $3::timestamptz[]))",
            instance, keys.Select(k => k.DeviceId).ToArray(), keys.Select(k => k.Hour.UtcDateTime).ToArray());
        var rows = new Dictionary<(string, DateTimeOffset), DeviceRollup>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            var row = new DeviceRollup(r.GetString(0), Time(r, 1), instance, r.GetInt64(2), (byte[])r[3]);
            rows[(row.DeviceId, row.Hour)] = row;
        }

        return rows;
    }

    private static async Task<IReadOnlyDictionary<CohortKey, CohortRollup>> StoredCohortRowsAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string instance, RollupBuilder builder, CancellationToken cancellationToken)
    {
        var keys = builder.CohortKeys.ToList();
        await using NpgsqlCommand cmd = Command(connection, tx,
            """
            select label, grain, bucket, value, windows, devices, profile from cohort_rollups
            where instance = $1 and (label, grain, bucket, value) in (select * from unnest($2::text[], $3::smallint[], $4::timestamptz[], $5::text[]))
            """,
            instance, keys.Select(k => k.Label).ToArray(), keys.Select(k => (short)k.Grain).ToArray(), keys.Select(k => k.Bucket.UtcDateTime).ToArray(), keys.Select(k => k.Value).ToArray());
        var rows = new Dictionary<CohortKey, CohortRollup>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            var row = new CohortRollup(r.GetString(0), r.GetString(3), (RollupGrain)r.GetInt16(1), Time(r, 2), instance, r.GetInt64(4), (string[])r[5], (byte[])r[6]);
            rows[new CohortKey(row.Label, row.Value, row.Grain, row.Bucket)] = row;
        }

        return rows;
    }

    private static long InstanceLock(string instance) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("edgecloud-rollup:" + instance)));

    private static NpgsqlBatchCommand Command(string sql, params object[] args)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (object a in args)
        {
            cmd.Parameters.Add(Parameter(a));
        }

        return cmd;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, params object[] args)
    {
        var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (object a in args)
        {
            cmd.Parameters.Add(Parameter(a));
        }

        return cmd;
    }
}
