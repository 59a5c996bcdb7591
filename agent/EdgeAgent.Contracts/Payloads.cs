using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAgent.Contracts;

/// <summary>The labels a device is grouped by into cohorts.</summary>
public sealed record DeviceLabels
{
    public string? DeviceModel { get; init; }

    public string? MicModel { get; init; }

    public string? Firmware { get; init; }

    public string? Site { get; init; }

    /// <summary>The label named <paramref name="name"/> (deviceModel, micModel, firmware, site); null for an unknown name.</summary>
    public string? Get(string name) => name switch
    {
        "deviceModel" => DeviceModel,
        "micModel" => MicModel,
        "firmware" => Firmware,
        "site" => Site,
        _ => null,
    };

    public static IReadOnlyList<string> Names { get; } = ["deviceModel", "micModel", "firmware", "site"];
}

public sealed record ModelRef
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    /// <summary>active, previous or candidate (the rollout slots).</summary>
    public string? Slot { get; init; }
}

/// <summary><c>status</c>, retained: the birth (<c>online</c>), the Last Will and a clean shutdown (<c>offline</c>).</summary>
public sealed record StatusPayload
{
    public const string Online = "online";
    public const string Offline = "offline";

    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    public required string State { get; init; }

    /// <summary>Birth/death sequence: increases on every connect, so a stale will never overrides a newer birth.</summary>
    public long BdSeq { get; init; }

    public string? AgentVersion { get; init; }

    public List<ModelRef>? Models { get; init; }

    public DeviceLabels? Labels { get; init; }
}

/// <summary><c>telemetry/summary</c>: one closed window of the device.</summary>
public sealed record SummaryPayload
{
    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    /// <summary>Identifies one run of the agent process.</summary>
    public required string BootId { get; init; }

    /// <summary>Window sequence number; persisted, never reused across restarts, without gaps.</summary>
    public ulong Seq { get; init; }

    public DateTimeOffset WindowStart { get; init; }

    public DateTimeOffset WindowEnd { get; init; }

    /// <summary>The window's profile in the compact encoding (ProfileCodec), base64.</summary>
    public required string Profile { get; init; }

    /// <summary>The device's own drift verdict at the window's end (ok, drift, insufficient-data; null while learning).</summary>
    public string? Verdict { get; init; }

    public Dictionary<string, long> Detections { get; init; } = [];

    public PipelineCounters? Pipeline { get; init; }

    public LatencySummary? Latency { get; init; }

    /// <summary>Messages the outbox dropped (bounded in bytes) since the agent first ran.</summary>
    public long OutboxDropped { get; init; }

    /// <summary>Implicit signals per keyword in this window (absent from agents that predate them).</summary>
    public Dictionary<string, ImplicitSignals>? Signals { get; init; }
}

public sealed record PipelineCounters(double AudioSeconds, double SpeechSeconds, long VadFrames, long KeywordChunks);

public sealed record LatencySummary(double VadP50Ms, double VadP99Ms, double ChunkP50Ms, double ChunkP99Ms);

/// <summary><c>events</c>: alarm changes and faults.</summary>
public sealed record EventPayload
{
    public const string AlarmChanged = "alarm";
    public const string Fault = "fault";

    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    public required string BootId { get; init; }

    public ulong Seq { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary><see cref="AlarmChanged"/> or <see cref="Fault"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>Alarm family, or the fault's code (e.g. microphone-lost, model-load-failed).</summary>
    public required string Name { get; init; }

    /// <summary>The alarm's new state (ok, warning, alarm, recovering); null for faults.</summary>
    public string? State { get; init; }

    public string? Detail { get; init; }
}

/// <summary><c>cmd/{name}</c>, cloud to device: never retained; ignored after <see cref="ExpiresAt"/>.</summary>
public sealed record CommandPayload
{
    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    public required string CmdId { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    public JsonElement? Args { get; init; }
}

/// <summary><c>cmd/{name}/ack</c>, device to cloud.</summary>
public sealed record CommandAck
{
    public const string Done = "done";
    public const string Rejected = "rejected";
    public const string Expired = "expired";
    public const string Unknown = "unknown-command";

    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    public required string CmdId { get; init; }

    public required string Status { get; init; }

    public string? Detail { get; init; }

    public JsonElement? Result { get; init; }
}

public static class Contract
{
    public const int SchemaVersion = 1;
}
