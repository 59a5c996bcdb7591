using EdgeAgent.Core.Models;
using EdgeAgent.Updates;
using EdgeAgent.Updates.Runtime;

namespace EdgeAgent.Service.Updates;

/// <summary>The reconciler's model source on the device: the cloud's registry through <see cref="ModelFetcher"/> (pinned key, device credentials).</summary>
internal sealed class RegistryModelSource(ModelFetcherFactory fetchers) : IModelSource
{
    public bool CanDownload => fetchers.Create() is not null;

    public long BytesHeld(string name, string version) => fetchers.Create()?.BytesHeld(name, version) ?? 0;

    public Task<InstalledModel> DownloadAsync(string name, string version, Action<long>? onBytes, CancellationToken cancellationToken) =>
        (fetchers.Create() ?? throw new ModelUpdateException("this device has no registry configured")).FetchAsync(name, version, cancellationToken, onBytes);
}
