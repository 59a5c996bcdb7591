using EdgeAgent.Contracts;
using EdgeAgent.Updates.Intents;

namespace EdgeAgent.Updates.Planning;

/// <summary>One step of a plan for one model name, with why it is there. Immutable; the runner executes it.</summary>
public sealed record ModelCommand(CommandKind Kind, string Name, string Why)
{
    /// <summary>The name of <see cref="CommandKind.Acknowledge"/>, which concerns the whole desired state.</summary>
    public const string AllModels = "*";

    /// <summary>The version the command acts on (the target of an activation, a roll-back or a switch).</summary>
    public string? Version { get; init; }

    /// <summary>The version served before (a roll-back or a switch).</summary>
    public string? From { get; init; }

    /// <summary>The rollout the command reports to (null: nothing is reported).</summary>
    public string? RolloutId { get; init; }

    /// <summary>The desired step behind the command (its probation limits, for an activation).</summary>
    public DesiredModel? Want { get; init; }

    /// <summary>The technician's intent behind the command, recorded as applied in the same slot write.</summary>
    public TechnicianIntent? Intent { get; init; }

    /// <summary><see cref="CommandKind.Report"/>: the phase, and the numbers reported with it.</summary>
    public string? Phase { get; init; }

    public CandidateHealth? Health { get; init; }

    /// <summary><see cref="CommandKind.Acknowledge"/>: the desired version and the steps (name → <c>rolloutId/mode</c>) applied.</summary>
    public long DesiredVersion { get; init; }

    public IReadOnlyDictionary<string, string>? Steps { get; init; }

    public override string ToString() => $"{Kind} {Name}{(Version is null ? "" : "@" + Version)}: {Why}";
}
