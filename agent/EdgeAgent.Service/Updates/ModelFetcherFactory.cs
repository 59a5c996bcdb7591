using EdgeAgent.Core.Models;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Updates;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Updates;

/// <summary>
/// The registry client of this device: the cloud's HTTP client (<see cref="CloudHttp"/>: address, device credentials,
/// trusted CA) and the pinned registry key. Null when no registry is configured.
/// </summary>
internal sealed class ModelFetcherFactory(IOptions<AgentOptions> agent, IOptions<UpdaterOptions> options, CloudHttp cloud)
{
    public ModelFetcher? Create()
    {
        UpdaterOptions o = options.Value;
        if (cloud.Client is not { } http || string.IsNullOrWhiteSpace(o.RegistryKeyFile))
        {
            return null;
        }

        return new ModelFetcher(http, File.ReadAllText(o.RegistryKeyFile), new ModelStore(agent.Value.ModelsDir), Path.Combine(agent.Value.DataDir, "downloads"));
    }
}
