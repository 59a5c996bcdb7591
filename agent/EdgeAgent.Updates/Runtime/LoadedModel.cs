namespace EdgeAgent.Updates.Runtime;

/// <summary>A model version held loaded by the runtime (a staged candidate, or the previous model kept ready during probation).</summary>
public sealed record LoadedModel(string Name, string Version);
