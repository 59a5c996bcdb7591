using EdgeAgent.Core.Models;

namespace EdgeAgent.Updates.Runtime;

/// <summary>
/// The live side the reconciler drives: the live pipeline, one preloaded (staged) candidate, the previous models kept
/// ready, and one shadow. The agent's adapter runs ONNX Runtime pipelines; a simulation runs a fake.
/// </summary>
public interface IModelRuntime
{
    /// <summary>What is loaded, shadowing and staged now, with the live and shadow health.</summary>
    RuntimeView View();

    /// <summary>Loads a pipeline with <paramref name="model"/> in place of its name's version, kept ready beside the live one.</summary>
    /// <exception cref="ModelStoreException">The model does not load.</exception>
    Task PreloadAsync(InstalledModel model, CancellationToken cancellationToken);

    /// <summary>
    /// The live pipeline serves <paramref name="model"/> from now on (the staged or a standby pipeline when it holds that
    /// version, else a new one). The pipeline replaced is kept as a standby when <paramref name="keepReplaced"/>.
    /// </summary>
    /// <exception cref="ModelStoreException">The model does not load; the live pipeline is unchanged.</exception>
    Task SwitchAsync(InstalledModel model, bool keepReplaced, CancellationToken cancellationToken);

    /// <summary>Lets the standby of <paramref name="name"/> go (the probation ended).</summary>
    void ReleaseStandby(string name);

    /// <summary>Unloads the staged candidate, if any.</summary>
    void DropStaged();

    /// <summary>Runs <paramref name="model"/> beside the live pipeline (replacing any shadow).</summary>
    /// <param name="rolloutId">The rollout shadowing it; null for the previous model compared with a fresh one.</param>
    void StartShadow(InstalledModel model, string? rolloutId);

    void StopShadow();
}
