using EdgeAgent.Core.Models;

namespace EdgeAgent.Updates.Runtime;

/// <summary>Where versions the store lacks come from: the registry (signed, verified, installed into the store).</summary>
public interface IModelSource
{
    /// <summary>False when this device has no registry configured.</summary>
    bool CanDownload { get; }

    /// <summary>The bytes an interrupted download left (the next attempt resumes there).</summary>
    long BytesHeld(string name, string version);

    /// <summary>Fetches, verifies and installs <paramref name="name"/>@<paramref name="version"/>.</summary>
    /// <exception cref="ModelUpdateException">The model was refused (a permanent verdict); the message says why.</exception>
    /// <exception cref="HttpRequestException">A transient failure (also <see cref="IOException"/>, <see cref="TaskCanceledException"/>): tried again.</exception>
    Task<InstalledModel> DownloadAsync(string name, string version, Action<long>? onBytes, CancellationToken cancellationToken);
}
