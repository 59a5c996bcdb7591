using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeAgent.Link;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Service.Updates;
using EdgeAgent.TestSupport;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Tests.Fleet;

public sealed class CloudHttpTests
{
    [Fact]
    public async Task Https_ServerSignedByTheConfiguredCa_IsTrusted_OthersAreNot()
    {
        using var ca = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=EdgeAgent test CA", ca, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using X509Certificate2 caCert = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string caFile = Path.Combine(TestPaths.NewTempDirectory(), "ca.pem");
        File.WriteAllText(caFile, caCert.ExportCertificatePem());

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=127.0.0.1", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 signed = leafRequest.Create(caCert, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
        using X509Certificate2 leaf = X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(leafKey).Export(X509ContentType.Pfx), null);

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        Task serving = ServeAsync(listener, leaf, stop.Token);
        try
        {
            using CloudHttp trusting = Cloud($"https://127.0.0.1:{port}/", caFile);
            using HttpResponseMessage response = await trusting.Client!.GetAsync("api/device/clips/policy", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

            using CloudHttp system = Cloud($"https://127.0.0.1:{port}/", null); // the system's store does not know the test CA
            await Assert.ThrowsAsync<HttpRequestException>(() => system.Client!.GetAsync("api/device/clips/policy", TestContext.Current.CancellationToken));
        }
        finally
        {
            await stop.CancelAsync();
            listener.Stop();
            await serving;
        }
    }

    [Fact]
    public void Client_WithoutACloudAddress_IsNull()
    {
        using CloudHttp cloud = Cloud(null, null);

        Assert.Null(cloud.Client);
    }

    private static CloudHttp Cloud(string? url, string? caFile) => new(
        Options.Create(new AgentOptions { DeviceId = "kiosk-1" }),
        Options.Create(new UpdaterOptions { RegistryUrl = url, CaFile = caFile }),
        Options.Create(new LinkOptions { Password = "p" }));

    /// <summary>A minimal HTTPS server: every request gets 404.</summary>
    private static async Task ServeAsync(TcpListener listener, X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            {
                try
                {
                    await using var tls = new SslStream(client.GetStream());
                    await tls.AuthenticateAsServerAsync(certificate, false, false);
                    byte[] buffer = new byte[4096];
                    var request = new StringBuilder();
                    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        int read = await tls.ReadAsync(buffer, cancellationToken);
                        if (read == 0)
                        {
                            break;
                        }

                        request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }

                    await tls.WriteAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                {
                    // The untrusting client hung up during the handshake.
                }
            }
        }
    }
}
