using EdgeCloud.Storage;

namespace EdgeCloud.Clips;

/// <summary>A clip as <c>GET /api/clips</c> lists it.</summary>
public sealed record ClipView(
    string Id, string DeviceId, DateTimeOffset At, string Trigger, string? Keyword, double? Score, double? Threshold, List<ClipModelView> Models,
    List<string> Alarms, double DurationSec, int SampleRate, DateTimeOffset ReceivedAt, DateTimeOffset ExpiresAt, ClipLabelsView? Labels)
{
    public static ClipView From(ClipRecord c) => new(
        c.Id, c.DeviceId, c.At, c.Trigger, c.Keyword, c.Score, c.Threshold, c.Models.Select(m => new ClipModelView(m.Name, m.Version)).ToList(),
        c.Alarms, c.DurationSec, c.SampleRate, c.ReceivedAt, c.ExpiresAt, c.Labels is { } l ? new ClipLabelsView(l.Keywords, l.Speech, l.By, l.At) : null);
}

public sealed record ClipModelView(string Name, string Version);

public sealed record ClipLabelsView(List<string> Keywords, bool Speech, string By, DateTimeOffset At);

/// <summary>The body of <c>POST /api/clips/{id}/labels</c>.</summary>
public sealed record LabelRequest(List<string>? Keywords, bool? Speech);

/// <summary>The fleet's clip policy as <c>GET /api/clips/policy</c> shows it (target as it is set: "all" or {labels}).</summary>
public sealed record ClipPolicyView(object Target, bool Enabled, EdgeAgent.Contracts.ClipTriggers Triggers, int MaxClipsPerHour, int RetentionDays, long Revision, string? UpdatedBy, DateTimeOffset? UpdatedAt, string PublicKey)
{
    public static ClipPolicyView From(FleetClipPolicy p, long revision, string publicKey) => new(
        p.Labels is null ? "all" : new Dictionary<string, object> { ["labels"] = p.Labels }, p.Enabled, p.Triggers, p.MaxClipsPerHour, p.RetentionDays, revision, p.UpdatedBy, p.UpdatedAt, publicKey);
}

public sealed record ClipCreated(string Id);

public sealed record ClipsDeleted(int Deleted);
