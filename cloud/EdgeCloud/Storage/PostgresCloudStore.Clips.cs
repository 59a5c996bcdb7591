using System.Text;
using System.Text.Json;
using EdgeAgent.Contracts;
using Npgsql;

namespace EdgeCloud.Storage;

/// <summary>
/// Clips in PostgreSQL: one row per clip with its PCM (bytea, stored uncompressed: PCM does not compress), so every
/// cloud instance serves every clip; the primary key makes a retried upload store nothing twice.
/// </summary>
public sealed partial class PostgresCloudStore
{
    private const string ClipColumns = "id, device_id, at, received_at, trigger, keyword, score, threshold, models, alarms, duration_sec, sample_rate, expires_at, labels";

    public async Task<bool> AddClipAsync(ClipRecord c, byte[] pcm16, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            $"insert into clips ({ClipColumns}, audio) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) on conflict do nothing",
            cancellationToken, c.Id, c.DeviceId, c.At, c.ReceivedAt, c.Trigger, (object?)c.Keyword ?? DBNull.Value, (object?)c.Score ?? DBNull.Value,
            (object?)c.Threshold ?? DBNull.Value, Json(c.Models, CloudJsonContext.Default.ListModelRef), Json(c.Alarms, CloudJsonContext.Default.ListString),
            c.DurationSec, c.SampleRate, c.ExpiresAt, c.Labels is null ? DBNull.Value : Json(c.Labels, CloudJsonContext.Default.ClipLabels), pcm16) == 1;

    public async Task<ClipRecord?> GetClipAsync(string id, CancellationToken cancellationToken = default) =>
        (await QueryClipsAsync("where id = $1", cancellationToken, id)).SingleOrDefault();

    public async Task<byte[]?> ReadClipAudioAsync(string id, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select audio from clips where id = $1");
        cmd.Parameters.Add(Parameter(id));
        return await cmd.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public Task<IReadOnlyList<ClipRecord>> ListClipsAsync(ClipQuery query, CancellationToken cancellationToken = default)
    {
        var where = new StringBuilder("where true");
        var args = new List<object>();
        void Add(string condition, object value)
        {
            args.Add(value);
            where.Append(" and ").Append(condition.Replace("$?", "$" + args.Count, StringComparison.Ordinal));
        }

        if (query.DeviceId is { } device)
        {
            Add("device_id = $?", device);
        }

        if (query.Trigger is { } trigger)
        {
            Add("trigger = $?", trigger);
        }

        if (query.Since is { } since)
        {
            Add("at >= $?", since);
        }

        if (query.Until is { } until)
        {
            Add("at < $?", until);
        }

        if (query.Labelled is { } labelled)
        {
            where.Append(labelled ? " and labels is not null" : " and labels is null");
        }

        args.Add(query.Limit);
        where.Append(" order by at desc, id collate \"C\" limit $").Append(args.Count);
        return QueryClipsAsync(where.ToString(), cancellationToken, [.. args]);
    }

    public async Task<bool> LabelClipAsync(string id, ClipLabels labels, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("update clips set labels = $2 where id = $1", cancellationToken, id, Json(labels, CloudJsonContext.Default.ClipLabels)) == 1;

    public async Task<int> CountClipsAsync(string deviceId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select count(*) from clips where device_id = $1 and received_at >= $2");
        cmd.Parameters.Add(Parameter(deviceId));
        cmd.Parameters.Add(Parameter(since));
        return checked((int)(long)(await cmd.ExecuteScalarAsync(cancellationToken))!);
    }

    public Task<int> PruneClipsAsync(DateTimeOffset now, int batch, CancellationToken cancellationToken = default) =>
        ExecuteAsync("delete from clips where id in (select id from clips where expires_at <= $1 order by expires_at limit $2)", cancellationToken, now, batch);

    public Task<int> DeleteClipsAsync(string? id, string? deviceId, CancellationToken cancellationToken = default) =>
        ExecuteAsync("delete from clips where ($1::text is null or id = $1) and ($2::text is null or device_id = $2) and ($1::text is not null or $2::text is not null)",
            cancellationToken, (object?)id ?? DBNull.Value, (object?)deviceId ?? DBNull.Value);

    public async Task<SettingRecord?> GetSettingAsync(string name, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand("select value, revision from settings where name = $1");
        cmd.Parameters.Add(Parameter(name));
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? new SettingRecord(r.GetString(0), r.GetInt64(1)) : null;
    }

    public async Task<long> PutSettingAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand(
            "insert into settings (name, value, revision) values ($1, $2, 1) on conflict (name) do update set value = excluded.value, revision = settings.revision + 1 returning revision");
        cmd.Parameters.Add(Parameter(name));
        cmd.Parameters.Add(Parameter(value));
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<SettingRecord> AddSettingAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        await ExecuteAsync("insert into settings (name, value, revision) values ($1, $2, 1) on conflict (name) do nothing", cancellationToken, name, value);
        return await GetSettingAsync(name, cancellationToken) ?? throw new InvalidOperationException($"setting {name} vanished after it was written");
    }

    private static Task MigrateClipsAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        ExecuteAsync(
            connection,
            """
            alter table windows add column if not exists signals jsonb not null default '{}';
            create table if not exists clips (
                id text primary key, device_id text not null, at timestamptz not null, received_at timestamptz not null, trigger text not null,
                keyword text, score double precision, threshold double precision, models jsonb not null, alarms jsonb not null,
                duration_sec double precision not null, sample_rate integer not null, expires_at timestamptz not null, labels jsonb, audio bytea not null);
            alter table clips alter column audio set storage external;
            create index if not exists clips_by_device_received on clips (device_id, received_at);
            create index if not exists clips_by_at on clips (at);
            create index if not exists clips_by_expiry on clips (expires_at);
            create table if not exists settings (name text primary key, value text not null, revision bigint not null);
            """,
            cancellationToken);

    private async Task<IReadOnlyList<ClipRecord>> QueryClipsAsync(string where, CancellationToken cancellationToken, params object[] args)
    {
        await using NpgsqlCommand cmd = _data.CreateCommand($"select {ClipColumns} from clips {where}");
        foreach (object a in args)
        {
            cmd.Parameters.Add(Parameter(a));
        }

        var list = new List<ClipRecord>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new ClipRecord
            {
                Id = r.GetString(0), DeviceId = r.GetString(1), At = Time(r, 2), ReceivedAt = Time(r, 3), Trigger = r.GetString(4), Keyword = Text(r, 5),
                Score = r.IsDBNull(6) ? null : r.GetDouble(6), Threshold = r.IsDBNull(7) ? null : r.GetDouble(7),
                Models = JsonSerializer.Deserialize(r.GetString(8), CloudJsonContext.Default.ListModelRef) ?? [],
                Alarms = JsonSerializer.Deserialize(r.GetString(9), CloudJsonContext.Default.ListString) ?? [],
                DurationSec = r.GetDouble(10), SampleRate = r.GetInt32(11), ExpiresAt = Time(r, 12),
                Labels = r.IsDBNull(13) ? null : JsonSerializer.Deserialize(r.GetString(13), CloudJsonContext.Default.ClipLabels),
            });
        }

        return list;
    }
}
