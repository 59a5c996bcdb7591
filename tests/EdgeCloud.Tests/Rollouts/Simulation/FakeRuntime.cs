using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Runtime;

namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// The live side of a simulated agent: which version serves, what is staged, kept ready or shadowing, and health
/// numbers that grow with (fake) time. How well two versions agree comes from the scenario
/// (<see cref="SimScenario.Agreement"/>): a bad candidate disagrees with everything and hears almost no speech.
/// Everything here is lost when the agent is killed; the model store and the slots on disk are not.
/// </summary>
internal sealed class FakeRuntime(SimClock clock, SimScenario scenario) : IModelRuntime
{
    private const double FrameSeconds = 0.032;
    private readonly Dictionary<string, string> _serving = new(StringComparer.Ordinal);
    private readonly List<LoadedModel> _standby = [];
    private LoadedModel? _staged;
    private (string Name, string Version, string? RolloutId, DateTimeOffset Since)? _shadow;
    private DateTimeOffset _switchedAt;
    private bool _started;

    /// <summary>Every live switch: (name, from, to).</summary>
    public List<(string Name, string From, string To)> Switches { get; } = [];

    public bool Started => _started;

    public string? Serving(string name) => _serving.GetValueOrDefault(name);

    public string? Shadowing => _shadow?.Version;

    public string? ShadowRollout => _shadow?.RolloutId;

    /// <summary>Loads the live pipeline at start: the versions the slots name, else the newest installed (as the agent does).</summary>
    public void Start(ModelStore store, IReadOnlyDictionary<string, string> fromSlots)
    {
        foreach (InstalledModel m in store.List().GroupBy(m => m.Name).Select(g => g.MaxBy(m => m.Manifest.InstalledAt)!))
        {
            string version = fromSlots.GetValueOrDefault(m.Name) ?? m.Version;
            ModelStore.Verify(store.Find(m.Name, version));
            _serving[m.Name] = version;
        }

        _switchedAt = clock.Now;
        _started = true;
    }

    public RuntimeView View()
    {
        if (!_started)
        {
            return RuntimeView.NotStarted;
        }

        string? vad = _serving.ContainsKey(SimModels.Vad) ? SimModels.Vad : null;
        long frames = Frames(_switchedAt);
        double speech = vad is null ? 0 : scenario.SpeechShare(_serving[SimModels.Vad]);
        ShadowView? shadow = _shadow is { } s
            ? new ShadowView(s.Name, s.Version, s.RolloutId, IsKeyword: false, new CandidateHealth(Frames(s.Since), scenario.Agreement(s.Version, _serving.GetValueOrDefault(s.Name) ?? s.Version), 0.02, 0.3))
            : null;
        return new RuntimeView(true, new Dictionary<string, string>(_serving, StringComparer.Ordinal), vad, shadow, _staged, _standby.ToList(), new HealthSnapshot(frames, speech, 0, 0.4));
    }

    public Task PreloadAsync(InstalledModel model, CancellationToken cancellationToken)
    {
        ModelStore.Verify(model);
        _staged = new LoadedModel(model.Name, model.Version);
        return Task.CompletedTask;
    }

    public Task SwitchAsync(InstalledModel model, bool keepReplaced, CancellationToken cancellationToken)
    {
        ModelStore.Verify(model);
        string from = _serving.GetValueOrDefault(model.Name) ?? "";
        if (_staged is { } st && st.Name == model.Name && st.Version == model.Version)
        {
            _staged = null;
        }

        _standby.RemoveAll(s => s.Name == model.Name && s.Version == model.Version);
        if (keepReplaced && from.Length > 0)
        {
            _standby.RemoveAll(s => s.Name == model.Name);
            _standby.Add(new LoadedModel(model.Name, from));
        }

        _serving[model.Name] = model.Version;
        _switchedAt = clock.Now;
        Switches.Add((model.Name, from, model.Version));
        return Task.CompletedTask;
    }

    public void ReleaseStandby(string name) => _standby.RemoveAll(s => s.Name == name);

    public void DropStaged() => _staged = null;

    public void StartShadow(InstalledModel model, string? rolloutId) => _shadow = (model.Name, model.Version, rolloutId, clock.Now);

    public void StopShadow() => _shadow = null;

    private long Frames(DateTimeOffset since) => (long)((clock.Now - since).TotalSeconds / FrameSeconds);
}
