using EdgeAgent.Contracts;

namespace EdgeAgent.Updates.Planning;

/// <summary>The probation of a fresh activation, judged: why it failed (null: not failed), and the numbers so far.</summary>
public sealed record ProbationVerdict(string? Failure, CandidateHealth Health);
