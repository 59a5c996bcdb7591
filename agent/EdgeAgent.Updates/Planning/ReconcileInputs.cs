using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Runtime;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates.Planning;

/// <summary>Everything the planner looks at; it looks at nothing else.</summary>
public sealed record ReconcileInputs
{
    /// <summary>The newest desired state from the cloud; null while none has arrived (nothing is asked, nothing is dropped).</summary>
    public DesiredState? Desired { get; init; }

    /// <summary>The technicians' pending intents, in order.</summary>
    public IReadOnlyList<TechnicianIntent> Intents { get; init; } = [];

    public SlotsDocument Slots { get; init; } = new();

    public RuntimeView Runtime { get; init; } = RuntimeView.NotStarted;

    /// <summary>What the store holds (name, version, kind).</summary>
    public IReadOnlyList<ModelManifest> Installed { get; init; } = [];

    /// <summary><c>name@version</c> → why it cannot be used (damaged or missing), for the versions the slots name.</summary>
    public IReadOnlyDictionary<string, string> Unusable { get; init; } = new Dictionary<string, string>();

    /// <summary>The probation verdicts, per name on probation; only when the watch is due.</summary>
    public IReadOnlyDictionary<string, ProbationVerdict> Verdicts { get; init; } = new Dictionary<string, ProbationVerdict>();

    /// <summary>The periodic watch is due: shadow and probation numbers are reported, the probation is judged.</summary>
    public bool WatchDue { get; init; }

    /// <summary>This start of the agent has not been counted against a probation yet (the crash-loop guard).</summary>
    public bool CountStart { get; init; }

    public int MaxProbationStarts { get; init; } = 2;

    public DateTimeOffset Now { get; init; }

    public bool IsInstalled(string name, string version) => Installed.Any(m => m.Name == name && m.Version == version);

    public string? KindOf(string name, string version) => Installed.FirstOrDefault(m => m.Name == name && m.Version == version)?.Kind;
}
