using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Runtime;

namespace EdgeAgent.Updates.Tests.Runtime;

/// <summary>
/// A model runtime without ONNX Runtime: it records what serves, what is staged, kept ready and shadowed, with health
/// numbers the test sets. A version listed in <see cref="Unloadable"/> fails to load, like a model ONNX Runtime refuses.
/// </summary>
public sealed class FakeModelRuntime : IModelRuntime
{
    private readonly Dictionary<string, string> _serving = new(StringComparer.Ordinal);
    private readonly List<LoadedModel> _standby = [];
    private bool _started;
    private (InstalledModel Model, string? RolloutId)? _shadow;
    private LoadedModel? _staged;

    public HashSet<string> Unloadable { get; } = new(StringComparer.Ordinal);

    public HealthSnapshot Live { get; set; } = HealthSnapshot.Empty;

    public CandidateHealth ShadowHealth { get; set; } = new(0);

    /// <summary>Every live switch, in order: <c>name from -> to</c>.</summary>
    public List<string> Switches { get; } = [];

    public string VadName { get; set; } = "silero_vad";

    /// <summary>The live pipeline starts serving <paramref name="serving"/> (what the agent loaded at start).</summary>
    public void Start(IReadOnlyDictionary<string, string> serving)
    {
        foreach ((string name, string version) in serving)
        {
            _serving[name] = version;
        }

        _started = true;
    }

    public RuntimeView View() => !_started
        ? RuntimeView.NotStarted
        : new RuntimeView(
            true, new Dictionary<string, string>(_serving, StringComparer.Ordinal), VadName,
            _shadow is { } s ? new ShadowView(s.Model.Name, s.Model.Version, s.RolloutId, s.Model.Kind == ModelKind.Keyword, ShadowHealth) : null,
            _staged, _standby.ToList(), Live);

    public Task PreloadAsync(InstalledModel model, CancellationToken cancellationToken)
    {
        Load(model);
        _staged = new LoadedModel(model.Name, model.Version);
        return Task.CompletedTask;
    }

    public Task SwitchAsync(InstalledModel model, bool keepReplaced, CancellationToken cancellationToken)
    {
        if (_staged is { } staged && staged.Name == model.Name && staged.Version == model.Version)
        {
            _staged = null;
        }
        else if (_standby.Remove(new LoadedModel(model.Name, model.Version)))
        {
            // instant: it was kept loaded
        }
        else
        {
            Load(model);
        }

        string? from = _serving.GetValueOrDefault(model.Name);
        _serving[model.Name] = model.Version;
        Live = HealthSnapshot.Empty;
        Switches.Add($"{model.Name} {from} -> {model.Version}");
        if (keepReplaced && from is not null)
        {
            ReleaseStandby(model.Name);
            _standby.Add(new LoadedModel(model.Name, from));
        }

        return Task.CompletedTask;
    }

    public void ReleaseStandby(string name) => _standby.RemoveAll(b => b.Name == name);

    public void DropStaged() => _staged = null;

    public void StartShadow(InstalledModel model, string? rolloutId)
    {
        Load(model);
        _shadow = (model, rolloutId);
        ShadowHealth = new CandidateHealth(0);
    }

    public void StopShadow() => _shadow = null;

    private void Load(InstalledModel model)
    {
        if (Unloadable.Contains($"{model.Name}@{model.Version}"))
        {
            throw new ModelStoreException($"{model} does not load: refused by the fake runtime");
        }
    }
}
