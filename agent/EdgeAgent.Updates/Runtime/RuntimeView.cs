namespace EdgeAgent.Updates.Runtime;

/// <summary>What the model runtime holds now: an input of the planner.</summary>
/// <param name="Started">The live pipeline runs (false before the models are loaded at start).</param>
/// <param name="Serving">Every model the live pipeline serves, name → version.</param>
/// <param name="VadName">The name of the live pipeline's VAD (its probation also watches the speech share).</param>
/// <param name="Standby">Previous models kept loaded for an instant switch back.</param>
public sealed record RuntimeView(
    bool Started,
    IReadOnlyDictionary<string, string> Serving,
    string? VadName,
    ShadowView? Shadow,
    LoadedModel? Staged,
    IReadOnlyList<LoadedModel> Standby,
    HealthSnapshot Live)
{
    public static RuntimeView NotStarted { get; } = new(false, new Dictionary<string, string>(), null, null, null, [], HealthSnapshot.Empty);

    public string? ServingVersion(string name) => Serving.GetValueOrDefault(name);
}
