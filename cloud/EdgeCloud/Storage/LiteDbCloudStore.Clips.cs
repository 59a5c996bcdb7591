using EdgeAgent.Contracts;
using LiteDB;

namespace EdgeCloud.Storage;

/// <summary>Clips in LiteDB: metadata and labels in <c>clips</c>, each clip's PCM in one <c>clip_audio</c> document (bounded by the upload limit).</summary>
public sealed partial class LiteDbCloudStore
{
    private ILiteCollection<ClipDoc> _clips = null!;
    private ILiteCollection<BsonDocument> _clipAudio = null!;
    private ILiteCollection<SettingDoc> _settings = null!;

    public Task<bool> AddClipAsync(ClipRecord clip, byte[] pcm16, CancellationToken cancellationToken = default) => Locked(() =>
    {
        if (_clips.FindById(clip.Id) is not null)
        {
            return false;
        }

        _db.BeginTrans();
        try
        {
            _clips.Insert(ClipDoc.From(clip));
            _clipAudio.Insert(new BsonDocument { ["_id"] = clip.Id, ["data"] = pcm16 });
            _db.Commit();
            return true;
        }
        catch
        {
            _db.Rollback();
            throw;
        }
    });

    public Task<ClipRecord?> GetClipAsync(string id, CancellationToken cancellationToken = default) =>
        Locked(() => _clips.FindById(id)?.ToRecord());

    public Task<byte[]?> ReadClipAudioAsync(string id, CancellationToken cancellationToken = default) =>
        Locked(() => _clipAudio.FindById(id)?["data"].AsBinary);

    public Task<IReadOnlyList<ClipRecord>> ListClipsAsync(ClipQuery query, CancellationToken cancellationToken = default) => Locked<IReadOnlyList<ClipRecord>>(() =>
    {
        ILiteQueryable<ClipDoc> q = _clips.Query();
        if (query.DeviceId is { } device)
        {
            q = q.Where(c => c.DeviceId == device);
        }

        if (query.Trigger is { } trigger)
        {
            q = q.Where(c => c.Trigger == trigger);
        }

        if (query.Since is { } since)
        {
            DateTime from = since.UtcDateTime;
            q = q.Where(c => c.At >= from);
        }

        if (query.Until is { } until)
        {
            DateTime to = until.UtcDateTime;
            q = q.Where(c => c.At < to);
        }

        if (query.Labelled is { } labelled)
        {
            q = labelled ? q.Where(c => c.Labels != null) : q.Where(c => c.Labels == null);
        }

        // Ids break ties: the same order on every call (and on PostgreSQL).
        return q.ToEnumerable().OrderByDescending(c => c.At).ThenBy(c => c.Id, StringComparer.Ordinal).Take(query.Limit).Select(c => c.ToRecord()).ToList();
    });

    public Task<bool> LabelClipAsync(string id, ClipLabels labels, CancellationToken cancellationToken = default) => Locked(() =>
    {
        if (_clips.FindById(id) is not { } doc)
        {
            return false;
        }

        doc.Labels = new ClipLabelsDoc { Keywords = labels.Keywords, Speech = labels.Speech, By = labels.By, At = labels.At.UtcDateTime };
        return _clips.Update(doc);
    });

    public Task<int> CountClipsAsync(string deviceId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        DateTime from = since.UtcDateTime;
        return Locked(() => _clips.Query().Where(c => c.DeviceId == deviceId && c.ReceivedAt >= from).Count());
    }

    public Task<int> PruneClipsAsync(DateTimeOffset now, int batch, CancellationToken cancellationToken = default)
    {
        DateTime cutoff = now.UtcDateTime;
        return Locked(() =>
        {
            List<string> expired = _clips.Query().Where(c => c.ExpiresAt <= cutoff).Limit(batch).ToEnumerable().Select(c => c.Id).ToList();
            _db.BeginTrans();
            try
            {
                foreach (string id in expired)
                {
                    _clips.Delete(id);
                    _clipAudio.Delete(id);
                }

                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }

            return expired.Count;
        });
    }

    public Task<int> DeleteClipsAsync(string? id, string? deviceId, CancellationToken cancellationToken = default) => Locked(() =>
    {
        List<string> ids = id is not null
            ? _clips.FindById(id) is { } one && (deviceId is null || one.DeviceId == deviceId) ? [one.Id] : []
            : _clips.Query().Where(c => c.DeviceId == deviceId).ToEnumerable().Select(c => c.Id).ToList();
        _db.BeginTrans();
        try
        {
            foreach (string clip in ids)
            {
                _clips.Delete(clip);
                _clipAudio.Delete(clip);
            }

            _db.Commit();
        }
        catch
        {
            _db.Rollback();
            throw;
        }

        return ids.Count;
    });

    public Task<SettingRecord?> GetSettingAsync(string name, CancellationToken cancellationToken = default) =>
        Locked(() => _settings.FindById(name) is { } s ? new SettingRecord(s.Value, s.Revision) : null);

    public Task<long> PutSettingAsync(string name, string value, CancellationToken cancellationToken = default) => Locked(() =>
    {
        long revision = (_settings.FindById(name)?.Revision ?? 0) + 1;
        _settings.Upsert(new SettingDoc { Id = name, Value = value, Revision = revision });
        return revision;
    });

    public Task<SettingRecord> AddSettingAsync(string name, string value, CancellationToken cancellationToken = default) => Locked(() =>
    {
        if (_settings.FindById(name) is { } s)
        {
            return new SettingRecord(s.Value, s.Revision);
        }

        _settings.Insert(new SettingDoc { Id = name, Value = value, Revision = 1 });
        return new SettingRecord(value, 1);
    });

    private void OpenClips()
    {
        _clips = _db.GetCollection<ClipDoc>("clips");
        _clips.EnsureIndex(c => c.DeviceId);
        _clips.EnsureIndex(c => c.At);
        _clips.EnsureIndex(c => c.ExpiresAt);
        _clipAudio = _db.GetCollection("clip_audio");
        _settings = _db.GetCollection<SettingDoc>("settings");
    }

    internal sealed class ClipDoc
    {
        public string Id { get; set; } = "";

        public string DeviceId { get; set; } = "";

        public DateTime At { get; set; }

        public DateTime ReceivedAt { get; set; }

        public string Trigger { get; set; } = "";

        public string? Keyword { get; set; }

        public double? Score { get; set; }

        public double? Threshold { get; set; }

        public List<ModelRef> Models { get; set; } = [];

        public List<string> Alarms { get; set; } = [];

        public double DurationSec { get; set; }

        public int SampleRate { get; set; }

        public DateTime ExpiresAt { get; set; }

        public ClipLabelsDoc? Labels { get; set; }

        public static ClipDoc From(ClipRecord c) => new()
        {
            Id = c.Id, DeviceId = c.DeviceId, At = c.At.UtcDateTime, ReceivedAt = c.ReceivedAt.UtcDateTime, Trigger = c.Trigger, Keyword = c.Keyword,
            Score = c.Score, Threshold = c.Threshold, Models = c.Models, Alarms = c.Alarms, DurationSec = c.DurationSec, SampleRate = c.SampleRate,
            ExpiresAt = c.ExpiresAt.UtcDateTime,
            Labels = c.Labels is { } l ? new ClipLabelsDoc { Keywords = l.Keywords, Speech = l.Speech, By = l.By, At = l.At.UtcDateTime } : null,
        };

        public ClipRecord ToRecord() => new()
        {
            Id = Id, DeviceId = DeviceId, At = Utc(At), ReceivedAt = Utc(ReceivedAt), Trigger = Trigger, Keyword = Keyword, Score = Score,
            Threshold = Threshold, Models = Models, Alarms = Alarms, DurationSec = DurationSec, SampleRate = SampleRate, ExpiresAt = Utc(ExpiresAt),
            Labels = Labels is { } l ? new ClipLabels(l.Keywords, l.Speech, l.By, Utc(l.At)) : null,
        };
    }

    internal sealed class ClipLabelsDoc
    {
        public List<string> Keywords { get; set; } = [];

        public bool Speech { get; set; }

        public string By { get; set; } = "";

        public DateTime At { get; set; }
    }

    internal sealed class SettingDoc
    {
        public string Id { get; set; } = "";

        public string Value { get; set; } = "";

        public long Revision { get; set; }
    }
}
