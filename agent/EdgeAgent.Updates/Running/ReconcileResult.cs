using EdgeAgent.Updates.Planning;

namespace EdgeAgent.Updates.Running;

/// <summary>One tick of the reconciler: what it looked at, what it planned, and what each command did.</summary>
public sealed record ReconcileResult(ReconcileInputs Inputs, Plan Plan, IReadOnlyList<CommandOutcome> Outcomes);
