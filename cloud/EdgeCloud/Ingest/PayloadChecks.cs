using System.Buffers;
using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;

namespace EdgeCloud.Ingest;

/// <summary>
/// Field-by-field checks of what a device sends, after parsing and before anything is stored: nulls, lengths,
/// characters (no control characters: LiteDB keys and PostgreSQL text refuse NUL), ranges, and a window's totals
/// against its duration. Each returns null when the payload is fine, else what is wrong (for the log), so that
/// nothing a device sends can make the store throw.
/// </summary>
public static class PayloadChecks
{
    /// <summary>Longest boot id (the agent sends 32 hex digits); keeps the window key far below LiteDB's 1023-byte index limit.</summary>
    public const int MaxBootIdLength = 128;

    /// <summary>Longest name (keyword, fault code, alarm family, model name or version, command or rollout id).</summary>
    public const int MaxNameLength = 128;

    /// <summary>Longest free text (an event's detail, an ack's detail).</summary>
    public const int MaxDetailLength = 2048;

    /// <summary>Most keyword detection counters in one window, and most models in a status or report.</summary>
    public const int MaxEntries = PredictionProfile.MaxKeywords;

    /// <summary>Longest window (the agent's are a minute; an hour-long one is already unusual).</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(1);

    /// <summary>How far a device's clock may run ahead of the cloud's.</summary>
    public static readonly TimeSpan MaxClockAhead = TimeSpan.FromDays(1);

    private static readonly DateTimeOffset s_earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SearchValues<char> s_idChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:");
    private static readonly string[] s_verdicts = ["ok", "drift", "insufficient-data"];
    private static readonly string[] s_alarmStates = ["ok", "warning", "alarm", "recovering"];
    private static readonly string[] s_ackStatuses = [CommandAck.Done, CommandAck.Rejected, CommandAck.Expired, CommandAck.Unknown];

    public static string? Summary(SummaryPayload s, SignalProfile profile, DateTimeOffset now) =>
        Id("bootId", s.BootId, MaxBootIdLength)
        ?? (s.Seq is 0 or > long.MaxValue ? $"seq {s.Seq} is not in 1..{long.MaxValue}" : null)
        ?? Time("windowStart", s.WindowStart, now)
        ?? Time("windowEnd", s.WindowEnd, now)
        ?? (s.WindowEnd < s.WindowStart ? "windowEnd is before windowStart" : null)
        ?? (s.WindowEnd - s.WindowStart > MaxWindow ? $"window is longer than {MaxWindow}" : null)
        ?? (s.Verdict is not null && !s_verdicts.Contains(s.Verdict) ? "verdict is not ok, drift or insufficient-data" : null)
        ?? (s.OutboxDropped < 0 ? "outboxDropped is negative" : null)
        ?? Detections(s.Detections, profile.Frames)
        ?? Signals(s.Signals, profile.Frames)
        ?? Duration(s, profile);

    public static string? Event(EventPayload e, DateTimeOffset now) =>
        Id("bootId", e.BootId, MaxBootIdLength)
        ?? (e.Seq is 0 or > long.MaxValue ? $"seq {e.Seq} is not in 1..{long.MaxValue}" : null)
        ?? Time("at", e.At, now)
        ?? (e.Kind is not (EventPayload.AlarmChanged or EventPayload.Fault) ? "kind is not alarm or fault" : null)
        ?? Id("name", e.Name, MaxNameLength)
        ?? (e.Kind == EventPayload.AlarmChanged && !s_alarmStates.Contains(e.State) ? "an alarm's state is not ok, warning, alarm or recovering" : null)
        ?? (e.Kind == EventPayload.Fault && e.State is not null ? "a fault has no state" : null)
        ?? Text("detail", e.Detail, MaxDetailLength);

    public static string? Status(StatusPayload s) =>
        (s.State is not (StatusPayload.Online or StatusPayload.Offline) ? "state is not online or offline" : null)
        ?? (s.BdSeq < 0 ? "bdSeq is negative" : null)
        ?? Text("agentVersion", s.AgentVersion, MaxNameLength)
        ?? (s.Models is null ? null : Models(s.Models));

    public static string? Ack(CommandAck a) =>
        Id("cmdId", a.CmdId, MaxNameLength)
        ?? (!s_ackStatuses.Contains(a.Status) ? "status is not done, rejected, expired or unknown-command" : null)
        ?? Text("detail", a.Detail, MaxDetailLength);

    public static string? Reported(ReportedState r) =>
        (r.Models is null ? "models is null" : Models(r.Models))
        ?? (r.Pins is null ? "pins is null" : r.Pins.Count > MaxEntries ? "too many pins" : r.Pins.Select(p => Text("pin", p, MaxNameLength, required: true)).FirstOrDefault(e => e is not null));

    public static string? Progress(RolloutProgress p, DateTimeOffset now) =>
        Id("rolloutId", p.RolloutId, MaxNameLength)
        ?? Id("name", p.Name, MaxNameLength)
        ?? Id("version", p.Version, MaxNameLength)
        ?? (!RolloutProgress.Phases.Contains(p.Phase) ? "phase is unknown" : null)
        ?? Time("at", p.At, now)
        ?? (p.Seq > long.MaxValue ? "seq is out of range" : null)
        ?? Text("reason", p.Reason, MaxDetailLength)
        ?? (p.Bytes < 0 ? "bytes is negative" : null)
        ?? (p.Health is { } h && (h.Samples < 0 || h.Errors < 0 || h.Skipped < 0 || !Finite(h.Agreement ?? 0, h.ScoreShift, h.P95Ms)) ? "health is out of range" : null);

    /// <summary>
    /// A clip's metadata against its audio (<paramref name="pcmBytes"/> of 16-bit PCM): a GUID id, a known trigger, a
    /// 16 kHz mono clip whose stated duration is its samples' (within 20 ms), names and lists bounded like a summary's.
    /// </summary>
    public static string? Clip(ClipMetadata m, long pcmBytes, DateTimeOffset now) =>
        (!Guid.TryParseExact(m.ClipId, "N", out _) ? "clipId is not a GUID in \"n\" format (32 hex digits)" : null)
        ?? Id("deviceId", m.DeviceId, MaxNameLength)
        ?? Time("at", m.At, now)
        ?? (!ClipTrigger.All.Contains(m.Trigger) ? $"trigger is not one of {string.Join(", ", ClipTrigger.All)}" : null)
        ?? (m.Keyword is null ? null : Id("keyword", m.Keyword, MaxNameLength))
        ?? (m.Trigger is ClipTrigger.Detection or ClipTrigger.NearMiss && m.Keyword is null ? $"a {m.Trigger} clip names its keyword" : null)
        ?? (!Finite(m.Score ?? 0, m.Threshold ?? 0) ? "score and threshold must be finite" : null)
        ?? (m.Models is null ? "models is null" : Models(m.Models))
        ?? (m.Alarms is null ? "alarms is null" : m.Alarms.Count > MaxEntries ? $"more than {MaxEntries} alarms" : m.Alarms.Select(a => Id("alarm", a, MaxNameLength)).FirstOrDefault(e => e is not null))
        ?? (m.SampleRate != 16_000 ? $"sampleRate {m.SampleRate} is not 16000 (clips are 16 kHz mono 16-bit)" : null)
        ?? (pcmBytes == 0 ? "the clip has no audio" : null)
        ?? (!double.IsFinite(m.DurationSec) || Math.Abs(m.DurationSec - (pcmBytes / 2.0 / m.SampleRate)) > 0.02
            ? $"durationSec {m.DurationSec} does not match the audio's {pcmBytes / 2} samples ({pcmBytes / 2.0 / m.SampleRate:F3} s at {m.SampleRate} Hz)"
            : null);

    /// <summary>An identifier: 1..<paramref name="max"/> of letters, digits and <c>. _ - :</c>.</summary>
    private static string? Id(string field, string? value, int max) =>
        string.IsNullOrEmpty(value) ? $"{field} is missing"
        : value.Length > max ? $"{field} is longer than {max} characters"
        : value.AsSpan().ContainsAnyExcept(s_idChars) ? $"{field} has characters other than letters, digits and . _ - :"
        : null;

    /// <summary>Free text: at most <paramref name="max"/> characters, no control characters (tab and newline allowed in details), valid UTF-16.</summary>
    private static string? Text(string field, string? value, int max, bool required = false)
    {
        if (value is null)
        {
            return required ? $"{field} is missing" : null;
        }

        if (value.Length > max)
        {
            return $"{field} is longer than {max} characters";
        }

        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if ((char.IsControl(c) && c is not ('\n' or '\t')) || (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[++i]))))
            {
                return $"{field} has a control character or a broken surrogate at {i}";
            }
        }

        return null;
    }

    private static string? Time(string field, DateTimeOffset t, DateTimeOffset now) =>
        t < s_earliest || t > now + MaxClockAhead ? $"{field} {t:O} is not between 2000 and a day from now" : null;

    private static string? Models(List<ModelRef> models)
    {
        if (models.Count > MaxEntries)
        {
            return $"more than {MaxEntries} models";
        }

        foreach (ModelRef? m in models)
        {
            if (m is null)
            {
                return "a model is null";
            }

            if ((Id("model name", m.Name, MaxNameLength) ?? Id("model version", m.Version, MaxNameLength) ?? Text("slot", m.Slot, 32)) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Detections(Dictionary<string, long>? detections, long frames)
    {
        if (detections is null)
        {
            return "detections is null";
        }

        if (detections.Count > MaxEntries)
        {
            return $"more than {MaxEntries} detection counters";
        }

        foreach ((string keyword, long count) in detections)
        {
            if (Id("detections key", keyword, MaxNameLength) is { } problem)
            {
                return problem;
            }

            if (count < 0 || count > Math.Max(frames, 1))
            {
                return $"detections of {keyword} ({count}) are negative or more than the window's {frames} frames";
            }
        }

        return null;
    }

    /// <summary>Implicit signals: optional; per keyword (as many and as long as detection counters) two counts in [0, frames].</summary>
    private static string? Signals(Dictionary<string, ImplicitSignals>? signals, long frames)
    {
        if (signals is null)
        {
            return null;
        }

        if (signals.Count > MaxEntries)
        {
            return $"more than {MaxEntries} signal counters";
        }

        foreach ((string keyword, ImplicitSignals? value) in signals)
        {
            if (Id("signals key", keyword, MaxNameLength) is { } problem)
            {
                return problem;
            }

            if (value is null)
            {
                return $"signals of {keyword} are null";
            }

            long max = Math.Max(frames, 1);
            if (value.Repeats < 0 || value.Repeats > max || value.Unanswered < 0 || value.Unanswered > max)
            {
                return $"signals of {keyword} (repeats {value.Repeats}, unanswered {value.Unanswered}) are negative or more than the window's {frames} frames";
            }
        }

        return null;
    }

    /// <summary>The profile's frames must fit the window it claims (1 % and a second of slack for clock rounding).</summary>
    private static string? Duration(SummaryPayload s, SignalProfile profile)
    {
        double window = (s.WindowEnd - s.WindowStart).TotalSeconds;
        return profile.DurationSeconds > (window * 1.01) + 1
            ? $"profile holds {profile.DurationSeconds:F1} s of frames, more than the window's {window:F1} s"
            : null;
    }

    private static bool Finite(params ReadOnlySpan<double> values)
    {
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}
