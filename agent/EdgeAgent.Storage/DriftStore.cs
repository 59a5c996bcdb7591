using Json = System.Text.Json.JsonSerializer;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using LiteDB;

namespace EdgeAgent.Storage;

/// <summary>
/// The agent's drift state in LiteDB (<c>&lt;DataDir&gt;/agent.db</c>): closed windows with their evaluation and the
/// hourly profiles they merge into (both with bounded retention), the learned baseline with its adapted thresholds,
/// and each family's alarm state, so that all of it survives a restart. Profiles are stored in their compact
/// encoding (<see cref="ProfileCodec"/>).
/// </summary>
public sealed class DriftStore : IDisposable
{
    private const string BaselineId = "baseline";

    private readonly DurableLiteDatabase _file;
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<WindowRecord> _windows;
    private readonly ILiteCollection<HourRecord> _hours;
    private readonly ILiteCollection<BaselineRecord> _baseline;
    private readonly ILiteCollection<AlarmRecord> _alarms;
    private readonly int _retainWindows;
    private readonly int _retainHours;

    public DriftStore(string dataDir, int retainWindows, int retainHours = 24 * 30)
    {
        Directory.CreateDirectory(dataDir);
        _retainWindows = Math.Max(1, retainWindows);
        _retainHours = Math.Max(1, retainHours);
        _file = new DurableLiteDatabase(Path.Combine(dataDir, "agent.db"));
        _db = _file.Database;
        _windows = _db.GetCollection<WindowRecord>("drift_windows");
        _windows.EnsureIndex(w => w.End);
        _hours = _db.GetCollection<HourRecord>("drift_hours");
        _baseline = _db.GetCollection<BaselineRecord>("drift_baseline");
        _alarms = _db.GetCollection<AlarmRecord>("drift_alarms");
    }

    public int WindowCount => _windows.Count();

    public int HourCount => _hours.Count();

    /// <summary>Stores a closed window and merges it into the profile of the hour it ends in, in one transaction.</summary>
    public void SaveWindow(DriftWindow window)
    {
        DateTime end = window.End.UtcDateTime;
        var hourStart = new DateTime(end.Year, end.Month, end.Day, end.Hour, 0, 0, DateTimeKind.Utc);
        _db.BeginTrans();
        try
        {
            _windows.Insert(new WindowRecord
            {
                Start = window.Start.UtcDateTime,
                End = end,
                Profile = window.EncodedProfile,
                Verdict = window.Report?.Verdict,
                Report = window.Report is null ? null : Json.Serialize(window.Report, DriftJsonContext.Default.DriftReport),
            });

            HourRecord hour = _hours.FindById(hourStart) ?? new HourRecord { Id = hourStart };
            SignalProfile merged = hour.Windows == 0 ? new SignalProfile() : ProfileCodec.Decode(hour.Profile);
            merged.MergeFrom(window.Profile);
            hour.Profile = ProfileCodec.Encode(merged);
            hour.Windows++;
            _hours.Upsert(hour);

            Trim(_windows, _retainWindows, w => w.Id);
            Trim(_hours, _retainHours, h => h.Id);
            _db.Commit();
            _file.Flush();
        }
        catch
        {
            _db.Rollback();
            throw;
        }
    }

    /// <summary>The hourly profiles from <paramref name="from"/> on, oldest first.</summary>
    public IReadOnlyList<(DateTimeOffset Start, int Windows, SignalProfile Profile)> LoadHours(DateTimeOffset from) =>
        _hours.Find(h => h.Id >= from.UtcDateTime).OrderBy(h => h.Id)
            .Select(h => (new DateTimeOffset(DateTime.SpecifyKind(h.Id, DateTimeKind.Utc)), h.Windows, ProfileCodec.Decode(h.Profile)))
            .ToList();

    public void SaveBaseline(SignalProfile baseline, DriftThresholds? thresholds, DateTimeOffset learnedAt)
    {
        _baseline.Upsert(new BaselineRecord
        {
            Id = BaselineId,
            LearnedAt = learnedAt.UtcDateTime,
            Profile = ProfileCodec.Encode(baseline),
            MinEffects = thresholds?.MinEffects.ToDictionary() ?? [],
        });
        _file.Flush();
    }

    public (SignalProfile Profile, DriftThresholds Thresholds, DateTimeOffset LearnedAt)? LoadBaseline()
    {
        BaselineRecord? record = _baseline.FindById(BaselineId);
        if (record is null)
        {
            return null;
        }

        return (ProfileCodec.Decode(record.Profile), new DriftThresholds(record.MinEffects), new DateTimeOffset(DateTime.SpecifyKind(record.LearnedAt, DateTimeKind.Utc)));
    }

    public void SaveAlarm(AlarmStateMachine alarm) => SaveAlarm(alarm.Family, alarm.State, alarm.Since);

    /// <summary>Stores a family's alarm state as an <see cref="AlarmChange"/> left it (no live state machine needed).</summary>
    public void SaveAlarm(string family, AlarmState state, DateTimeOffset? since)
    {
        _alarms.Upsert(new AlarmRecord { Id = family, State = state.ToString(), Since = since?.UtcDateTime });
        _file.Flush();
    }

    public void RestoreAlarms(IEnumerable<AlarmStateMachine> alarms)
    {
        foreach (AlarmStateMachine alarm in alarms)
        {
            if (_alarms.FindById(alarm.Family) is { } record && Enum.TryParse(record.State, out AlarmState state))
            {
                alarm.Restore(state, record.Since is { } since ? new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)) : null);
            }
        }
    }

    public void Dispose() => _file.Dispose();

    /// <summary>Deletes the oldest records (lowest ids) beyond <paramref name="retain"/>.</summary>
    private static void Trim<T>(ILiteCollection<T> collection, int retain, Func<T, BsonValue> id)
    {
        int excess = collection.Count() - retain;
        if (excess > 0)
        {
            foreach (T old in collection.Query().OrderBy(BsonExpression.Create("_id")).Limit(excess).ToList())
            {
                collection.Delete(id(old));
            }
        }
    }

    internal sealed class WindowRecord
    {
        public long Id { get; set; }

        public DateTime Start { get; set; }

        public DateTime End { get; set; }

        public byte[] Profile { get; set; } = [];

        public string? Verdict { get; set; }

        public string? Report { get; set; }
    }

    internal sealed class HourRecord
    {
        /// <summary>The hour's start (UTC).</summary>
        public DateTime Id { get; set; }

        public int Windows { get; set; }

        public byte[] Profile { get; set; } = [];
    }

    internal sealed class BaselineRecord
    {
        public string Id { get; set; } = "";

        public DateTime LearnedAt { get; set; }

        public byte[] Profile { get; set; } = [];

        public Dictionary<string, double> MinEffects { get; set; } = [];
    }

    internal sealed class AlarmRecord
    {
        public string Id { get; set; } = "";

        public string State { get; set; } = "";

        public DateTime? Since { get; set; }
    }
}
