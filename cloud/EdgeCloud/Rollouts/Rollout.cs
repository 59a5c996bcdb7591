using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>
/// A rollout as stored: what it rolls out to whom and how, where it is (<see cref="Step"/>, <see cref="Stage"/>), the
/// targeted devices with the version each ran before, and every transition with its reason.
/// </summary>
public sealed record Rollout
{
    public required string Id { get; init; }

    public required string Model { get; init; }

    public required string Version { get; init; }

    public required string Kind { get; init; }

    /// <summary>Label selector; null for all devices.</summary>
    public Dictionary<string, string>? Target { get; init; }

    public required RolloutStrategy Strategy { get; init; }

    public List<RolloutStage> Stages { get; init; } = [];

    public int ShadowSeconds { get; init; }

    public RolloutGates Gates { get; init; } = new();

    public int ProbationSeconds { get; init; } = 300;

    public int DeviceDeadlineSeconds { get; init; } = 600;

    public RolloutState State { get; set; } = RolloutState.Running;

    /// <summary>The step of the strategy's <see cref="RolloutStepTable"/> the rollout is at (done once finished).</summary>
    public RolloutStep Step { get; set; } = RolloutStep.Shadow;

    /// <summary>The canary stage (0-based) while <see cref="Step"/> is stage.</summary>
    public int Stage { get; set; }

    public DateTimeOffset StepStartedAt { get; set; }

    /// <summary>Paused until an operator promotes (a stage that requires approval).</summary>
    public bool AwaitingApproval { get; set; }

    public List<RolloutDevice> Devices { get; init; } = [];

    /// <summary>Every change of the rollout is a transition with its reason (and who made it).</summary>
    public List<RolloutTransition> History { get; init; } = [];

    /// <summary>The stored revision: a change is stored only over the revision it was made from.</summary>
    public long Revision { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public string? CreatedBy { get; init; }
}

public sealed record RolloutStage(int Percent, int BakeSeconds, bool RequireApproval);

public sealed record RolloutGates
{
    public int MinDevices { get; init; } = 1;

    public long MinSamples { get; init; } = 1;

    public double MinAgreement { get; init; }

    /// <summary>0: no limit.</summary>
    public double MaxP95Ms { get; init; }

    public double MaxErrorRate { get; init; }

    /// <summary>Shadow: the largest mean |Δscore| between candidate and live model (prediction drift against the previous model); 0: no limit.</summary>
    public double MaxScoreShift { get; init; }

    /// <summary>
    /// A canary stage waits for people: at least <see cref="MinLabelled"/> labelled detection clips of the candidate from the
    /// stage's devices since the stage began, whose precision must reach this (null: not gated on labels).
    /// </summary>
    public double? MinPrecision { get; init; }

    /// <summary>Canary stages: the most false accepts per hour of audio (labelled precision scaled to every detection the stage counted); null: no limit.</summary>
    public double? MaxFalseAcceptsPerHour { get; init; }

    /// <summary>Labelled detection clips a canary stage waits for before its labelled gates are judged.</summary>
    public int MinLabelled { get; init; } = 3;

    /// <summary>Whether a canary stage waits for labels.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Labelled => MinPrecision is not null || MaxFalseAcceptsPerHour is not null;
}

/// <summary>A targeted device: the version it ran before (to go back to), its sticky rank, and what it was last asked.</summary>
public sealed record RolloutDevice
{
    public required string DeviceId { get; init; }

    public string? Baseline { get; init; }

    /// <summary>Position in the deterministic order (hash of device id and rollout id); canary stages take a prefix.</summary>
    public int Rank { get; init; }

    /// <summary>The mode last asked of it (<see cref="DesiredModel.Modes"/>), null before anything.</summary>
    public string? Mode { get; set; }

    public DateTimeOffset? AskedAt { get; set; }
}

public sealed record RolloutTransition(DateTimeOffset At, string From, string To, string Reason, string By);

/// <summary>
/// What one device last reported in a rollout (stored per device, written by whichever instance ingested it; the
/// highest <see cref="Seq"/> wins). A device silent past its deadline gets FAILED with the Seq of its last report, so
/// only a newer report from it replaces that.
/// </summary>
public sealed record RolloutDeviceReport(string Phase, string? Reason, CandidateHealth? Health, long? Bytes, DateTimeOffset At, ulong Seq = 0);
