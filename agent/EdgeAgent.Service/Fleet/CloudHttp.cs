using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeAgent.Link;
using EdgeAgent.Service.Updates;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Fleet;

/// <summary>
/// The device's HTTP client for the cloud (model downloads, clip policy and uploads): the cloud's address
/// (<c>EdgeAgent:Updates:RegistryUrl</c>), the device's MQTT credentials as HTTP Basic authentication, and over https
/// the system's trust store or the CA in <c>EdgeAgent:Updates:CaFile</c>. Null when no cloud address is configured.
/// </summary>
internal sealed class CloudHttp(IOptions<AgentOptions> agent, IOptions<UpdaterOptions> options, IOptions<LinkOptions> link) : IDisposable
{
    private readonly Lock _gate = new();
    private HttpClient? _http;

    public HttpClient? Client
    {
        get
        {
            UpdaterOptions o = options.Value;
            if (!o.CanDownload)
            {
                return null;
            }

            lock (_gate)
            {
                return _http ??= Create(o);
            }
        }
    }

    public void Dispose() => _http?.Dispose();

    private HttpClient Create(UpdaterOptions o)
    {
        var handler = new SocketsHttpHandler();
        if (!string.IsNullOrWhiteSpace(o.CaFile))
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(o.CaFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(trust, certificate, errors);
        }

        var http = new HttpClient(handler) { BaseAddress = new Uri(o.RegistryUrl!), Timeout = TimeSpan.FromMinutes(10) };
        string credentials = $"{link.Value.Username ?? agent.Value.DeviceId}:{link.Value.Password}";
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return http;
    }

    /// <summary>The server's certificate chains to the configured CA (and names the host).</summary>
    private static bool TrustedBy(X509Certificate2Collection trust, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
