using System.Net.Http.Headers;
using System.Text;
using EdgeAgent.Core.Models;
using EdgeAgent.Link;
using EdgeAgent.Updates;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Updates;

/// <summary>
/// The registry client of this device: the cloud's address, the pinned registry key, and the device's own MQTT
/// credentials as HTTP Basic authentication. Null when no registry is configured.
/// </summary>
internal sealed class ModelFetcherFactory(IOptions<AgentOptions> agent, IOptions<UpdaterOptions> options, IOptions<LinkOptions> link) : IDisposable
{
    private readonly Lock _gate = new();
    private HttpClient? _http;

    public ModelFetcher? Create()
    {
        UpdaterOptions o = options.Value;
        if (!o.CanDownload || string.IsNullOrWhiteSpace(o.RegistryKeyFile))
        {
            return null;
        }

        lock (_gate)
        {
            if (_http is null)
            {
                _http = new HttpClient { BaseAddress = new Uri(o.RegistryUrl!), Timeout = TimeSpan.FromMinutes(10) };
                string credentials = $"{link.Value.Username ?? agent.Value.DeviceId}:{link.Value.Password}";
                _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
            }
        }

        return new ModelFetcher(_http, File.ReadAllText(o.RegistryKeyFile), new ModelStore(agent.Value.ModelsDir), Path.Combine(agent.Value.DataDir, "downloads"));
    }

    public void Dispose() => _http?.Dispose();
}
