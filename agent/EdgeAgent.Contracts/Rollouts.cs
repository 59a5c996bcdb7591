using System.Text.Json.Serialization;

namespace EdgeAgent.Contracts;

/// <summary>
/// What the cloud wants a device to run, on <c>edge/v1/{deviceId}/state/desired</c> (retained). <see cref="Version"/>
/// grows with every change; a device applies a version once and ignores any it has already applied.
/// </summary>
public sealed record DesiredState
{
    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    public long Version { get; init; }

    public DateTimeOffset IssuedAt { get; init; }

    /// <summary>
    /// One entry per model name the cloud manages on this device. The list is the whole desired state: a model name
    /// that is absent has no rollout asking anything of it (the device drops any shadowed or staged candidate of a
    /// rollout and keeps serving what it serves). The device acknowledges a version by reporting it as
    /// <see cref="ReportedState.AppliedVersion"/>; the cloud sends a version again until it is acknowledged.
    /// </summary>
    public List<DesiredModel> Models { get; init; } = [];
}

/// <summary>One model name's desired state within a rollout.</summary>
public sealed record DesiredModel
{
    /// <summary>Download, verify, run beside the live model; never acted on.</summary>
    public const string Shadow = "shadow";

    /// <summary>Download, verify and preload, keep serving the current model (blue-green).</summary>
    public const string Staged = "staged";

    /// <summary>Serve the candidate, on probation; the previous model stays ready for an instant switch back.</summary>
    public const string Active = "active";

    /// <summary>The candidate passed: it is the model now, the probation ends.</summary>
    public const string Committed = "committed";

    /// <summary>Go back to <see cref="Fallback"/> (a failed gate or an operator's rollback).</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>Stop shadowing or staging the candidate; the live model stays as it is.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>
    /// Serve the baseline (<see cref="Fallback"/>) and hold nothing of this rollout: a targeted device outside the current
    /// canary stage (it stops shadowing, and never serves the candidate).
    /// </summary>
    public const string Baseline = "baseline";

    public static IReadOnlyList<string> Modes { get; } = [Shadow, Staged, Active, Committed, RolledBack, Cancelled, Baseline];

    public required string RolloutId { get; init; }

    public required string Name { get; init; }

    /// <summary>The candidate version.</summary>
    public required string Version { get; init; }

    public required string Mode { get; init; }

    /// <summary>The version to go back to: what the device ran when the rollout began.</summary>
    public string? Fallback { get; init; }

    /// <summary>Why (for <see cref="RolledBack"/>).</summary>
    public string? Reason { get; init; }

    /// <summary>How long the device watches the candidate's health after switching, before it lets the previous model go.</summary>
    public int ProbationSeconds { get; init; } = 300;

    /// <summary>The device's own limit on the candidate's p95 latency during probation (0: none).</summary>
    public double MaxP95Ms { get; init; }

    /// <summary>
    /// During probation the previous model runs beside the candidate on the same audio: the least agreement with it
    /// the device accepts (0: none) once it has <see cref="MinSamples"/> samples (frames for a VAD, detections for a keyword).
    /// </summary>
    public double MinAgreement { get; init; }

    public long MinSamples { get; init; }
}

/// <summary>What a device runs, on <c>state/reported</c> (retained): every model with its slot and the last desired version applied.</summary>
public sealed record ReportedState
{
    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    public long AppliedVersion { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary>Slots: active, previous, candidate (shadow or staged).</summary>
    public List<ModelRef> Models { get; init; } = [];

    /// <summary><c>name@version</c> a technician pinned with <c>edgectl models pin</c>; rollouts leave these alone.</summary>
    public List<string> Pins { get; init; } = [];
}

/// <summary>One step of a device through a rollout, on <c>state/progress</c>.</summary>
public sealed record RolloutProgress
{
    public const string Queued = "QUEUED";
    public const string Downloading = "DOWNLOADING";
    public const string Verified = "VERIFIED";
    public const string ShadowPhase = "SHADOW";
    public const string ActivePhase = "ACTIVE";
    public const string CommittedPhase = "COMMITTED";
    public const string RolledBackPhase = "ROLLED_BACK";
    public const string Rejected = "REJECTED";
    public const string Failed = "FAILED";

    public static IReadOnlyList<string> Phases { get; } = [Queued, Downloading, Verified, ShadowPhase, ActivePhase, CommittedPhase, RolledBackPhase, Rejected, Failed];

    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    public required string RolloutId { get; init; }

    public required string Name { get; init; }

    public required string Version { get; init; }

    public required string Phase { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary>
    /// The device's progress sequence number (from its outbox: never reused, survives restarts). Reports can arrive out
    /// of order — through different cloud instances, or one instance's backlog after it comes back — and the cloud keeps
    /// the highest.
    /// </summary>
    public ulong Seq { get; init; }

    public string? Reason { get; init; }

    /// <summary>DOWNLOADING: bytes held so far.</summary>
    public long? Bytes { get; init; }

    /// <summary>SHADOW / ACTIVE: the evaluation so far.</summary>
    public CandidateHealth? Health { get; init; }
}

/// <summary>
/// A candidate's numbers: <see cref="Samples"/> compared decisions (VAD frames, or keyword detections of either model),
/// the share on which it agreed with the live model (shadow only), its mean score shift, p95 latency, errors and the
/// work skipped to stay within the CPU budget.
/// </summary>
public sealed record CandidateHealth(long Samples, double? Agreement = null, double ScoreShift = 0, double P95Ms = 0, long Errors = 0, long Skipped = 0);
