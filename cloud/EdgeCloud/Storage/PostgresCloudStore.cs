using System.Text.Json;
using EdgeAgent.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace EdgeCloud.Storage;

/// <summary>
/// The store for several cloud instances: PostgreSQL through Npgsql. Windows and events are unique by (device, boot,
/// sequence) in the primary key and inserted with ON CONFLICT DO NOTHING, so two instances ingesting the same
/// redelivered message store it once. The schema is created on start under an advisory lock.
/// </summary>
public sealed partial class PostgresCloudStore : ICloudStore
{
    private const long SchemaLock = 0x45646765436c6f;
    private readonly NpgsqlDataSource _data;
    private readonly LastSeenWrites _lastSeen = new();

    private PostgresCloudStore(NpgsqlDataSource data) => _data = data;

    public static async Task<PostgresCloudStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var store = new PostgresCloudStore(NpgsqlDataSource.Create(connectionString));
        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public async Task<bool> AddDeviceAsync(DeviceRecord d, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            "insert into devices (device_id, labels, password_hash, created_at) values ($1, $2, $3, $4) on conflict do nothing",
            cancellationToken, d.DeviceId, Json(d.Labels, CloudJsonContext.Default.DeviceLabels), d.PasswordHash, d.CreatedAt) == 1;

    public async Task<DeviceRecord?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken = default) =>
        (await QueryDevicesAsync("where device_id = $1", cancellationToken, deviceId)).SingleOrDefault();

    public async Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(CancellationToken cancellationToken = default) =>
        await QueryDevicesAsync("order by device_id collate \"C\"", cancellationToken);

    public async Task UpdateStatusAsync(string deviceId, StatusPayload status, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (status.State == StatusPayload.Online)
        {
            await ExecuteAsync(
                """
                update devices set bd_seq = $2, online = true, last_seen = $3, agent_version = $4, models = coalesce($5, models)
                where device_id = $1 and bd_seq <= $2
                """,
                cancellationToken, deviceId, status.BdSeq, at, (object?)status.AgentVersion ?? DBNull.Value,
                status.Models is null ? DBNull.Value : Json(status.Models, CloudJsonContext.Default.ListModelRef)); // labels stay the registry's
        }
        else
        {
            await ExecuteAsync("update devices set bd_seq = $2, online = false, last_seen = $3 where device_id = $1 and bd_seq <= $2", cancellationToken, deviceId, status.BdSeq, at);
        }
    }

    public async Task<IReadOnlyList<bool>> AddWindowsAsync(IReadOnlyList<WindowRecord> windows, CancellationToken cancellationToken = default)
    {
        await EnsurePartitionsAsync(windows.Select(w => w.WindowEnd), cancellationToken);
        await using NpgsqlConnection connection = await _data.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, tx);

        // The whole batch in one statement, which queues what it inserted for the roll-up itself; the setting tells
        // the row trigger (kept for instances of an older version during a rolling upgrade) that it has nothing to do.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select set_config('{QueuedByInsertSetting}', 'on', true)"));
        var insert = new NpgsqlBatchCommand(
            """
            with added as (
                insert into windows (device_id, boot_id, seq, window_start, window_end, received_at, verdict, duration_seconds, speech_seconds, detections, outbox_dropped, profile, signals)
                select * from unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::text[],
                    $8::float8[], $9::float8[], $10::jsonb[], $11::bigint[], $12::bytea[], $13::jsonb[])
                on conflict do nothing
                returning device_id, boot_id, seq, window_end),
            queued as (insert into rollup_pending (device_id, boot_id, seq, window_end) select device_id, boot_id, seq, window_end from added)
            select device_id, boot_id, seq, window_end from added
            """);
        static NpgsqlParameter Column<T>(IReadOnlyList<WindowRecord> ws, Func<WindowRecord, T> value, NpgsqlDbType? type = null)
        {
            var values = new T[ws.Count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = value(ws[i]);
            }

            return type is { } t ? new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | t } : new NpgsqlParameter { Value = values };
        }

        insert.Parameters.Add(Column(windows, w => w.DeviceId));
        insert.Parameters.Add(Column(windows, w => w.BootId));
        insert.Parameters.Add(Column(windows, w => (long)w.Seq));
        insert.Parameters.Add(Column(windows, w => w.WindowStart.UtcDateTime));
        insert.Parameters.Add(Column(windows, w => w.WindowEnd.UtcDateTime));
        insert.Parameters.Add(Column(windows, w => w.ReceivedAt.UtcDateTime));
        insert.Parameters.Add(Column(windows, w => w.Verdict, NpgsqlDbType.Text));
        insert.Parameters.Add(Column(windows, w => w.DurationSeconds));
        insert.Parameters.Add(Column(windows, w => w.SpeechSeconds));
        insert.Parameters.Add(Column(windows, w => JsonSerializer.Serialize(w.Detections, CloudJsonContext.Default.DictionaryStringInt64), NpgsqlDbType.Jsonb));
        insert.Parameters.Add(Column(windows, w => w.OutboxDropped));
        insert.Parameters.Add(Column(windows, w => w.Profile, NpgsqlDbType.Bytea));
        insert.Parameters.Add(Column(windows, w => JsonSerializer.Serialize(w.Signals, CloudJsonContext.Default.DictionaryStringImplicitSignals), NpgsqlDbType.Jsonb));
        batch.BatchCommands.Add(insert);

        var touched = new List<(string DeviceId, DateTimeOffset Seen)>();
        foreach (IGrouping<string, WindowRecord> device in windows.GroupBy(w => w.DeviceId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)) // one lock order: concurrent batches cannot deadlock
        {
            DateTimeOffset seen = device.Max(w => w.ReceivedAt);
            if (_lastSeen.IsDue(device.Key, seen))
            {
                var touch = new NpgsqlBatchCommand("update devices set last_seen = greatest(last_seen, $2) where device_id = $1");
                touch.Parameters.Add(Parameter(device.Key));
                touch.Parameters.Add(Parameter(seen));
                batch.BatchCommands.Add(touch);
                touched.Add((device.Key, seen));
            }
        }

        var inserted = new HashSet<(string, string, long, long)>();
        await using (NpgsqlDataReader r = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await r.NextResultAsync(cancellationToken); // past set_config's row
            while (await r.ReadAsync(cancellationToken))
            {
                inserted.Add((r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetDateTime(3).Ticks));
            }
        }

        await tx.CommitAsync(cancellationToken);

        // Each inserted key marks its first window in the batch: a duplicate later in the same batch was not stored.
        var added = new bool[windows.Count];
        for (int i = 0; i < windows.Count; i++)
        {
            WindowRecord w = windows[i];
            long end = w.WindowEnd.UtcTicks - (w.WindowEnd.UtcTicks % TimeSpan.TicksPerMicrosecond); // PostgreSQL keeps microseconds
            added[i] = inserted.Remove((w.DeviceId, w.BootId, (long)w.Seq, end));
        }

        _recent.Keep(windows.Where((_, i) => added[i]));
        foreach ((string deviceId, DateTimeOffset seen) in touched)
        {
            _lastSeen.Written(deviceId, seen);
        }

        return added;
    }

    public Task<IReadOnlyList<WindowRecord>> ListWindowsAsync(string deviceId, int limit, CancellationToken cancellationToken = default) =>
        QueryWindowsAsync("where device_id = $1 order by window_end desc, seq desc limit $2", reverse: true, cancellationToken, deviceId, limit);

    public Task<IReadOnlyList<WindowRecord>> WindowsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        QueryWindowsAsync("where window_end >= $1", reverse: false, cancellationToken, since);

    public async Task<bool> AddEventAsync(string deviceId, EventPayload e, DateTimeOffset receivedAt, CancellationToken cancellationToken = default)
    {
        await using NpgsqlConnection connection = await _data.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        int added = await ExecuteAsync(
            connection,
            "insert into events (device_id, boot_id, seq, at, received_at, kind, name, state, detail) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing",
            cancellationToken, deviceId, e.BootId, (long)e.Seq, e.At, receivedAt, e.Kind, e.Name, (object?)e.State ?? DBNull.Value, (object?)e.Detail ?? DBNull.Value);
        if (added == 1 && e.Kind == EventPayload.AlarmChanged && e.State is not null)
        {
            // Keep the latest change per family, whatever order events arrive in.
            await ExecuteAsync(
                connection,
                """
                update devices set alarms = jsonb_set(alarms, array[$2], $3::jsonb)
                where device_id = $1 and coalesce((alarms -> $2 ->> 'since')::timestamptz, '-infinity') <= $4
                """,
                cancellationToken, deviceId, e.Name,
                JsonSerializer.Serialize(new AlarmStatus(e.State, e.At, e.Detail), CloudJsonContext.Default.AlarmStatus), e.At);
        }

        await tx.CommitAsync(cancellationToken);
        return added == 1;
    }

    public async Task<IReadOnlyList<EventRecord>> ListEventsAsync(string? deviceId, int limit, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand(
            "select device_id, boot_id, seq, at, received_at, kind, name, state, detail from events where $1::text is null or device_id = $1 order by at desc limit $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)deviceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit });
        var list = new List<EventRecord>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new EventRecord(r.GetString(0), r.GetString(1), (ulong)r.GetInt64(2), Time(r, 3), Time(r, 4), r.GetString(5), r.GetString(6), Text(r, 7), Text(r, 8)));
        }

        return list;
    }

    public Task SetReferenceAsync(byte[] profile, string? description, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            "insert into fleet_reference (id, profile, description, at) values ('fleet', $1, $2, now()) on conflict (id) do update set profile = excluded.profile, description = excluded.description, at = excluded.at",
            cancellationToken, profile, (object?)description ?? DBNull.Value);

    public async Task<(byte[] Profile, string? Description, DateTimeOffset At)?> GetReferenceAsync(CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select profile, description, at from fleet_reference where id = 'fleet'");
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? ((byte[])r[0], Text(r, 1), Time(r, 2)) : null;
    }

    public Task AddApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken = default) =>
        ExecuteAsync("insert into api_keys (hash, name, role, created_at) values ($1, $2, $3, $4) on conflict (hash) do update set name = excluded.name, role = excluded.role",
            cancellationToken, key.Hash, key.Name, key.Role, key.CreatedAt);

    public async Task<ApiKeyRecord?> FindApiKeyAsync(string hash, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select hash, name, role, created_at from api_keys where hash = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = hash });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? new ApiKeyRecord(r.GetString(0), r.GetString(1), r.GetString(2), Time(r, 3)) : null;
    }

    public Task AddCommandAsync(CommandRecord c, CancellationToken cancellationToken = default) =>
        ExecuteAsync("insert into commands (device_id, cmd_id, name, created_at, expires_at, status) values ($1, $2, $3, $4, $5, $6)",
            cancellationToken, c.DeviceId, c.CmdId, c.Name, c.CreatedAt, c.ExpiresAt, c.Status);

    public async Task<CommandRecord?> GetCommandAsync(string deviceId, string cmdId, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select name, created_at, expires_at, status, detail, acked_at from commands where device_id = $1 and cmd_id = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = cmdId });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken)
            ? new CommandRecord { DeviceId = deviceId, CmdId = cmdId, Name = r.GetString(0), CreatedAt = Time(r, 1), ExpiresAt = Time(r, 2), Status = r.GetString(3), Detail = Text(r, 4), AckedAt = r.IsDBNull(5) ? null : Time(r, 5) }
            : null;
    }

    public async Task<bool> AckCommandAsync(string deviceId, CommandAck ack, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("update commands set status = $3, detail = $4, acked_at = $5 where device_id = $1 and cmd_id = $2",
            cancellationToken, deviceId, ack.CmdId, ack.Status, (object?)(ack.Detail ?? ack.Result?.GetRawText()) ?? DBNull.Value, at) == 1;

    public async Task<bool> AddModelAsync(SignedModelManifest model, Stream file, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("insert into models (name, version, manifest, file) values ($1, $2, $3, $4) on conflict do nothing",
            cancellationToken, model.Manifest.Name, model.Manifest.Version, JsonSerializer.Serialize(model, ContractsJsonContext.Default.SignedModelManifest), file) == 1;

    public async Task<SignedModelManifest?> GetModelAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select manifest from models where name = $1 and version = $2");
        cmd.Parameters.Add(Parameter(name));
        cmd.Parameters.Add(Parameter(version));
        return await cmd.ExecuteScalarAsync(cancellationToken) is string json ? JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SignedModelManifest) : null;
    }

    public async Task<IReadOnlyList<SignedModelManifest>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select manifest from models order by name collate \"C\", version collate \"C\"");
        var list = new List<SignedModelManifest>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(JsonSerializer.Deserialize(r.GetString(0), ContractsJsonContext.Default.SignedModelManifest)!);
        }

        return list;
    }

    public Task UpdateModelsAsync(string deviceId, List<ModelRef> models, CancellationToken cancellationToken = default) =>
        ExecuteAsync("update devices set models = $2 where device_id = $1", cancellationToken, deviceId, Json(models, CloudJsonContext.Default.ListModelRef));

    public async Task<bool> TryLeaseAsync(string name, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            """
            insert into leases (name, holder, until) values ($1, $2, $4)
            on conflict (name) do update set holder = excluded.holder, until = excluded.until
            where leases.holder = excluded.holder or leases.until <= $3
            """,
            cancellationToken, name, holder, now.UtcDateTime, until.UtcDateTime) == 1;

    public async Task<bool> TrySaveRolloutAsync(string id, long revision, string json, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            revision == 1
                ? "insert into rollouts (id, revision, doc) values ($1, $2, $3) on conflict (id) do nothing"
                : "update rollouts set revision = $2, doc = $3 where id = $1 and revision = $2 - 1",
            cancellationToken, id, revision, json) == 1;

    public async Task<string?> GetRolloutAsync(string id, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select doc from rollouts where id = $1");
        cmd.Parameters.Add(Parameter(id));
        return await cmd.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<IReadOnlyList<string>> ListRolloutsAsync(CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select doc from rollouts order by id collate \"C\"");
        var list = new List<string>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(r.GetString(0));
        }

        return list;
    }

    public async Task<bool> SetRolloutDeviceAsync(string rolloutId, string deviceId, ulong seq, string json, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            """
            insert into rollout_devices (rollout_id, device_id, seq, doc) values ($1, $2, $3, $4)
            on conflict (rollout_id, device_id) do update set seq = excluded.seq, doc = excluded.doc where rollout_devices.seq <= excluded.seq
            """,
            cancellationToken, rolloutId, deviceId, checked((long)seq), json) == 1;

    public async Task<IReadOnlyDictionary<string, string>> ListRolloutDevicesAsync(string rolloutId, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select device_id, doc from rollout_devices where rollout_id = $1");
        cmd.Parameters.Add(Parameter(rolloutId));
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            map[r.GetString(0)] = r.GetString(1);
        }

        return map;
    }

    public async Task<int> ReadModelFileAsync(string name, string version, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // substring of a bytea stored uncompressed (storage external) reads only the slice's TOAST chunks.
        await using NpgsqlCommand cmd = _data.CreateCommand("select substring(file from $3 for $4) from models where name = $1 and version = $2");
        cmd.Parameters.Add(Parameter(name));
        cmd.Parameters.Add(Parameter(version));
        cmd.Parameters.Add(Parameter(checked((int)(offset + 1))));
        cmd.Parameters.Add(Parameter(buffer.Length));
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        if (!await r.ReadAsync(cancellationToken) || await r.IsDBNullAsync(0, cancellationToken))
        {
            return 0;
        }

        await using Stream slice = await r.GetStreamAsync(0, cancellationToken);
        int read = 0;
        while (read < buffer.Length && await slice.ReadAsync(buffer[read..], cancellationToken) is var n and > 0)
        {
            read += n;
        }

        return read;
    }

    public Task SetAliasAsync(string name, string alias, string version, CancellationToken cancellationToken = default) =>
        ExecuteAsync("insert into model_aliases (name, alias, version) values ($1, $2, $3) on conflict (name, alias) do update set version = excluded.version",
            cancellationToken, name, alias, version);

    public async Task<IReadOnlyDictionary<string, string>> GetAliasesAsync(string name, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select alias, version from model_aliases where name = $1");
        cmd.Parameters.Add(Parameter(name));
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            aliases[r.GetString(0)] = r.GetString(1);
        }

        return aliases;
    }

    public Task AppendAuditAsync(AuditRecord a, CancellationToken cancellationToken = default) =>
        ExecuteAsync("insert into audit (at, actor, role, action, target, detail) values ($1, $2, $3, $4, $5, $6)",
            cancellationToken, a.At, a.Actor, a.Role, a.Action, a.Target, (object?)a.Detail ?? DBNull.Value);

    public async Task<IReadOnlyList<AuditRecord>> ListAuditAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select at, actor, role, action, target, detail from audit order by id desc limit $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit });
        var list = new List<AuditRecord>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new AuditRecord(Time(r, 0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), Text(r, 5)));
        }

        return list;
    }

    public void Dispose() => _data.Dispose();

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _data.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "select pg_advisory_lock($1)", cancellationToken, SchemaLock);
        try
        {
            await ExecuteAsync(
                connection,
                """
                create table if not exists devices (
                    device_id text primary key, labels jsonb not null, password_hash text not null, created_at timestamptz not null,
                    online boolean not null default false, bd_seq bigint not null default 0, last_seen timestamptz, agent_version text,
                    models jsonb not null default '[]', alarms jsonb not null default '{}');
                create table if not exists windows (
                    device_id text not null, boot_id text not null, seq bigint not null, window_start timestamptz not null,
                    window_end timestamptz not null, received_at timestamptz not null, verdict text, duration_seconds double precision not null,
                    speech_seconds double precision not null, detections jsonb not null, outbox_dropped bigint not null, profile bytea not null,
                    primary key (device_id, boot_id, seq));
                create index if not exists windows_by_end on windows (window_end);
                create index if not exists windows_by_device_end on windows (device_id, window_end);
                create table if not exists events (
                    device_id text not null, boot_id text not null, seq bigint not null, at timestamptz not null, received_at timestamptz not null,
                    kind text not null, name text not null, state text, detail text, primary key (device_id, boot_id, seq));
                create table if not exists api_keys (hash text primary key, name text not null, role text not null, created_at timestamptz not null);
                create table if not exists commands (
                    device_id text not null, cmd_id text not null, name text not null, created_at timestamptz not null, expires_at timestamptz not null,
                    status text not null, detail text, acked_at timestamptz, primary key (device_id, cmd_id));
                create table if not exists audit (
                    id bigserial primary key, at timestamptz not null, actor text not null, role text not null, action text not null,
                    target text not null, detail text);
                create table if not exists fleet_reference (id text primary key, profile bytea not null, description text, at timestamptz not null);
                create table if not exists models (name text not null, version text not null, manifest text not null, file bytea not null, primary key (name, version));
                alter table models alter column file set storage external;
                create table if not exists model_aliases (name text not null, alias text not null, version text not null, primary key (name, alias));
                create table if not exists rollouts (id text primary key, revision bigint not null, doc text not null);
                create table if not exists leases (name text primary key, holder text not null, until timestamptz not null);
                create table if not exists rollout_devices (rollout_id text not null, device_id text not null, seq bigint not null, doc text not null, primary key (rollout_id, device_id));
                """,
                cancellationToken);
            await MigrateRollupsAsync(connection, cancellationToken);
            await MigrateClipsAsync(connection, cancellationToken);
        }
        finally
        {
            await ExecuteAsync(connection, "select pg_advisory_unlock($1)", CancellationToken.None, SchemaLock);
        }
    }

    private async Task<IReadOnlyList<DeviceRecord>> QueryDevicesAsync(string where, CancellationToken cancellationToken, params object[] args)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand(
            $"select device_id, labels, password_hash, created_at, online, bd_seq, last_seen, agent_version, models, alarms from devices {where}");
        foreach (object a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        }

        var list = new List<DeviceRecord>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new DeviceRecord
            {
                DeviceId = r.GetString(0),
                Labels = JsonSerializer.Deserialize(r.GetString(1), CloudJsonContext.Default.DeviceLabels) ?? new DeviceLabels(),
                PasswordHash = r.GetString(2),
                CreatedAt = Time(r, 3),
                Online = r.GetBoolean(4),
                BdSeq = r.GetInt64(5),
                LastSeen = r.IsDBNull(6) ? null : Time(r, 6),
                AgentVersion = Text(r, 7),
                Models = JsonSerializer.Deserialize(r.GetString(8), CloudJsonContext.Default.ListModelRef) ?? [],
                Alarms = JsonSerializer.Deserialize(r.GetString(9), CloudJsonContext.Default.DictionaryStringAlarmStatus) ?? [],
            });
        }

        return list;
    }

    private async Task<IReadOnlyList<WindowRecord>> QueryWindowsAsync(string where, bool reverse, CancellationToken cancellationToken, params object[] args)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand(
            $"select device_id, boot_id, seq, window_start, window_end, received_at, verdict, duration_seconds, speech_seconds, detections, outbox_dropped, profile, signals from windows {where}");
        foreach (object a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        }

        var list = new List<WindowRecord>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new WindowRecord
            {
                DeviceId = r.GetString(0), BootId = r.GetString(1), Seq = (ulong)r.GetInt64(2), WindowStart = Time(r, 3), WindowEnd = Time(r, 4),
                ReceivedAt = Time(r, 5), Verdict = Text(r, 6), DurationSeconds = r.GetDouble(7), SpeechSeconds = r.GetDouble(8),
                Detections = JsonSerializer.Deserialize(r.GetString(9), CloudJsonContext.Default.DictionaryStringInt64) ?? [],
                OutboxDropped = r.GetInt64(10), Profile = (byte[])r[11],
                Signals = JsonSerializer.Deserialize(r.GetString(12), CloudJsonContext.Default.DictionaryStringImplicitSignals) ?? [],
            });
        }

        if (reverse)
        {
            list.Reverse();
        }

        return list;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object[] args)
    {
        await using NpgsqlConnection connection = await _data.OpenConnectionAsync(cancellationToken);
        return await ExecuteAsync(connection, sql, cancellationToken, args);
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        foreach (object a in args)
        {
            cmd.Parameters.Add(Parameter(a));
        }

        return await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Parameter(object value) =>
        value is JsonbValue j ? new NpgsqlParameter { Value = j.Json, NpgsqlDbType = NpgsqlDbType.Jsonb } : new NpgsqlParameter { Value = value };

    private static JsonbValue Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => new(JsonSerializer.Serialize(value, type));

    private static DateTimeOffset Time(NpgsqlDataReader r, int i) => new(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc));

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private sealed record JsonbValue(string Json);
}
