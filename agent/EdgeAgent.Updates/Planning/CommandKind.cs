namespace EdgeAgent.Updates.Planning;

/// <summary>The commands a plan is made of (see <see cref="ModelCommand"/>).</summary>
public enum CommandKind
{
    /// <summary>A technician's pin or unpin lands in the slots (or is refused, saying why).</summary>
    ApplyIntent,

    /// <summary>The agent started while the active version is on probation: counted (the crash-loop guard).</summary>
    CountProbationStart,

    /// <summary>Fetch a version from the registry into the store (resumed; signature, sha256, ONNX Runtime checked).</summary>
    Download,

    /// <summary>Check an installed version against its manifest before it is used.</summary>
    Verify,

    /// <summary>Run a version beside the live model (a rollout's shadow, or the previous model during probation).</summary>
    StartShadow,

    StopShadow,

    /// <summary>Load a candidate beside the live model (blue-green), without serving it.</summary>
    Preload,

    /// <summary>Serve the candidate on probation: slots first, then the live switch; the previous model stays loaded.</summary>
    Activate,

    /// <summary>The rollout committed the candidate: the probation ends.</summary>
    Commit,

    /// <summary>The probation passed on the device: the previous model may go.</summary>
    EndProbation,

    /// <summary>Back to an earlier version (probation failure, crash loop, unusable model, the cloud, a technician). The only command reported ROLLED_BACK.</summary>
    RollBack,

    /// <summary>The live pipeline serves what the slots say (after a pin or an unpin).</summary>
    SwitchLive,

    /// <summary>Let a rollout's shadowed or staged candidate go.</summary>
    Drop,

    /// <summary>Report a phase without changing anything (already there, refused, or not possible).</summary>
    Report,

    /// <summary>Record the desired steps as applied and acknowledge the desired version (<see cref="Contracts.ReportedState.AppliedVersion"/>).</summary>
    Acknowledge,
}
