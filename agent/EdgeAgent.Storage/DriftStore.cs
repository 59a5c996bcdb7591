using Json = System.Text.Json.JsonSerializer;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using LiteDB;

namespace EdgeAgent.Storage;

/// <summary>
/// The agent's drift state in LiteDB (<c>&lt;DataDir&gt;/agent.db</c>): closed windows with their evaluation (bounded
/// retention), the learned baseline and each family's alarm state, so that all of it survives a restart.
/// Profiles are stored as their versioned JSON encoding.
/// </summary>
public sealed class DriftStore : IDisposable
{
    private const string BaselineId = "baseline";

    private readonly LiteDatabase _db;
    private readonly ILiteCollection<WindowRecord> _windows;
    private readonly ILiteCollection<BaselineRecord> _baseline;
    private readonly ILiteCollection<AlarmRecord> _alarms;
    private readonly int _retainWindows;

    public DriftStore(string dataDir, int retainWindows)
    {
        Directory.CreateDirectory(dataDir);
        _retainWindows = Math.Max(1, retainWindows);
        _db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(dataDir, "agent.db"), Connection = ConnectionType.Direct });
        _windows = _db.GetCollection<WindowRecord>("drift_windows");
        _windows.EnsureIndex(w => w.End);
        _baseline = _db.GetCollection<BaselineRecord>("drift_baseline");
        _alarms = _db.GetCollection<AlarmRecord>("drift_alarms");
    }

    public int WindowCount => _windows.Count();

    public void SaveWindow(DriftWindow window)
    {
        _windows.Insert(new WindowRecord
        {
            Start = window.Start.UtcDateTime,
            End = window.End.UtcDateTime,
            Profile = Serialize(ProfileDocument.From(window.Profile)),
            Verdict = window.Report?.Verdict,
            Report = window.Report is null ? null : Json.Serialize(window.Report, DriftJsonContext.Default.DriftReport),
        });

        int excess = _windows.Count() - _retainWindows;
        if (excess > 0)
        {
            foreach (WindowRecord old in _windows.Query().OrderBy(w => w.Id).Limit(excess).ToList())
            {
                _windows.Delete(old.Id);
            }
        }
    }

    public void SaveBaseline(SignalProfile baseline, DateTimeOffset learnedAt) =>
        _baseline.Upsert(new BaselineRecord { Id = BaselineId, LearnedAt = learnedAt.UtcDateTime, Profile = Serialize(ProfileDocument.From(baseline, "learned baseline")) });

    public (SignalProfile Profile, DateTimeOffset LearnedAt)? LoadBaseline()
    {
        BaselineRecord? record = _baseline.FindById(BaselineId);
        if (record is null)
        {
            return null;
        }

        ProfileDocument doc = Json.Deserialize(record.Profile, DriftJsonContext.Default.ProfileDocument)
            ?? throw new FormatException("stored baseline is empty");
        return (doc.ToProfile(), new DateTimeOffset(DateTime.SpecifyKind(record.LearnedAt, DateTimeKind.Utc)));
    }

    public void SaveAlarm(AlarmStateMachine alarm) =>
        _alarms.Upsert(new AlarmRecord { Id = alarm.Family, State = alarm.State.ToString(), Since = alarm.Since?.UtcDateTime });

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

    public void Dispose() => _db.Dispose();

    private static string Serialize(ProfileDocument doc) => Json.Serialize(doc, DriftJsonContext.Default.ProfileDocument);

    internal sealed class WindowRecord
    {
        public long Id { get; set; }

        public DateTime Start { get; set; }

        public DateTime End { get; set; }

        public string Profile { get; set; } = "";

        public string? Verdict { get; set; }

        public string? Report { get; set; }
    }

    internal sealed class BaselineRecord
    {
        public string Id { get; set; } = "";

        public DateTime LearnedAt { get; set; }

        public string Profile { get; set; } = "";
    }

    internal sealed class AlarmRecord
    {
        public string Id { get; set; } = "";

        public string State { get; set; } = "";

        public DateTime? Since { get; set; }
    }
}
