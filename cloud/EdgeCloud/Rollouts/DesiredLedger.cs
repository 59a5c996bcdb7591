using System.Text.Json;
using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>
/// What this instance last sent each device and whether the device acknowledged it: a desired state goes out when its
/// content changes (with a new, higher version), and again — same version — until the device reports that version
/// applied (first after <c>resend</c>, then twice as long each time, up to a minute). Versions grow across restarts and
/// instances: above the last one sent, the last one the device reported applied, and the clock in unix milliseconds.
/// </summary>
public sealed class DesiredLedger(TimeSpan resend)
{
    private static readonly TimeSpan s_longest = TimeSpan.FromMinutes(1);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The state to send <paramref name="deviceId"/> when <paramref name="models"/> is not what it was last sent (always when <paramref name="force"/>); else null.</summary>
    public DesiredState? Next(string deviceId, IReadOnlyList<DesiredModel> models, DateTimeOffset now, bool force)
    {
        string content = Content(models);
        lock (_lock)
        {
            Entry e = _entries.TryGetValue(deviceId, out Entry? known) ? known : _entries[deviceId] = new Entry();
            if (e.Content is null && models.Count == 0)
            {
                return null; // never asked anything: nothing to withdraw
            }

            if (!force && e.Content == content)
            {
                return null;
            }

            e.Version = Math.Max(Math.Max(e.Version, e.Applied) + 1, now.ToUnixTimeMilliseconds());
            e.Content = content;
            e.State = new DesiredState { Version = e.Version, IssuedAt = now, Models = [.. models] };
            e.SentAt = now;
            e.Sends = 1;
            return e.State;
        }
    }

    /// <summary>The device reported <paramref name="applied"/> as its applied version.</summary>
    public void Acknowledge(string deviceId, long applied)
    {
        lock (_lock)
        {
            Entry e = _entries.TryGetValue(deviceId, out Entry? known) ? known : _entries[deviceId] = new Entry();
            e.Applied = Math.Max(e.Applied, applied);
        }
    }

    /// <summary>Whether the device acknowledged the last state sent to it (true when none was).</summary>
    public bool Acknowledged(string deviceId)
    {
        lock (_lock)
        {
            return !_entries.TryGetValue(deviceId, out Entry? e) || e.State is null || e.Applied >= e.Version;
        }
    }

    /// <summary>The devices whose last state is unacknowledged and due to go out again.</summary>
    public List<string> Due(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _entries.Where(e => e.Value.State is not null && e.Value.Applied < e.Value.Version && now - e.Value.SentAt >= Wait(e.Value.Sends)).Select(e => e.Key).ToList();
        }
    }

    /// <summary>
    /// The state to send a device that is due again: a new version when <paramref name="models"/> is no longer what it
    /// was sent (another instance changed it meanwhile), else the same one again; counted as sent now. Null when
    /// nothing is due any more.
    /// </summary>
    public (DesiredState State, int Sends)? Resend(string deviceId, IReadOnlyList<DesiredModel> models, DateTimeOffset now)
    {
        if (Next(deviceId, models, now, force: false) is { } changed)
        {
            return (changed, 1);
        }

        lock (_lock)
        {
            if (!_entries.TryGetValue(deviceId, out Entry? e) || e.State is null || e.Applied >= e.Version)
            {
                return null;
            }

            e.SentAt = now;
            e.Sends++;
            return (e.State, e.Sends);
        }
    }

    private TimeSpan Wait(int sends) => TimeSpan.FromTicks(Math.Min(resend.Ticks << Math.Min(Math.Max(sends, 1) - 1, 16), Math.Max(resend.Ticks, s_longest.Ticks)));

    private static string Content(IReadOnlyList<DesiredModel> models) =>
        JsonSerializer.Serialize(new DesiredState { Models = [.. models] }, ContractsJsonContext.Default.DesiredState);

    private sealed class Entry
    {
        public long Version { get; set; }

        public long Applied { get; set; }

        public string? Content { get; set; }

        public DesiredState? State { get; set; }

        public DateTimeOffset SentAt { get; set; }

        public int Sends { get; set; }
    }
}
