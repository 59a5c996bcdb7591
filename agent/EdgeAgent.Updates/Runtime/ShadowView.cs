using EdgeAgent.Contracts;

namespace EdgeAgent.Updates.Runtime;

/// <summary>
/// The model running beside the live one on the same audio: a rollout's candidate (<see cref="RolloutId"/> set, never
/// acted on) or, with <see cref="RolloutId"/> null, the previous model compared with a fresh one on probation.
/// </summary>
/// <param name="IsKeyword">A keyword head (its samples are detections) rather than a VAD (frames).</param>
public sealed record ShadowView(string Name, string Version, string? RolloutId, bool IsKeyword, CandidateHealth Health);
