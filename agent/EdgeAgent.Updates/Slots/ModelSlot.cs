namespace EdgeAgent.Updates.Slots;

/// <summary>
/// One model name's pointers: the version serving (<see cref="Active"/>), the last good one before it
/// (<see cref="Previous"/>), a candidate being shadowed or staged, a technician's pin, and the probation of a
/// fresh activation.
/// </summary>
public sealed record ModelSlot
{
    public const string ShadowMode = "shadow";
    public const string StagedMode = "staged";

    public required string Active { get; init; }

    public string? Previous { get; init; }

    public string? Candidate { get; init; }

    /// <summary><see cref="ShadowMode"/> or <see cref="StagedMode"/>.</summary>
    public string? CandidateMode { get; init; }

    /// <summary>The rollout that put the active version or the candidate here.</summary>
    public string? RolloutId { get; init; }

    /// <summary>Set by <c>edgectl models pin</c>: this version runs and rollouts leave the name alone.</summary>
    public string? Pinned { get; init; }

    /// <summary>Set while the active version is on probation: until when, and how many agent starts it has seen.</summary>
    public DateTimeOffset? ProbationUntil { get; init; }

    public int ProbationStarts { get; init; }

    public double ProbationMaxP95Ms { get; init; }

    /// <summary>The least agreement with the previous model (run beside it during probation) and the samples that takes.</summary>
    public double ProbationMinAgreement { get; init; }

    public long ProbationMinSamples { get; init; }

    /// <summary>Who changed the pointers last and why (e.g. "edgectl models rollback"), reported to the cloud.</summary>
    public string? LastChange { get; init; }

    /// <summary>The version to run: the pin wins over the active pointer.</summary>
    public string Serving => Pinned ?? Active;
}
