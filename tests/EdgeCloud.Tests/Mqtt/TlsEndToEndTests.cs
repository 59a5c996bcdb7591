using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeAgent.TestSupport;
using EdgeCloud.Tests.Fleet;

namespace EdgeCloud.Tests.Mqtt;

/// <summary>
/// The embedded broker with a certificate from configuration, and the real agent trusting it through its CA file:
/// a test-made CA signs the broker's certificate for 127.0.0.1; plain TCP to the TLS port gets nowhere.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TlsEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Agent_OverTlsWithItsCaFile_StoresEveryWindow_AndPlainTcpIsRefused()
    {
        string dir = TestPaths.NewTempDirectory();
        (string caFile, string certFile, string keyFile) = MakeCertificates(dir);
        using var cloud = new CloudProcess(null, $"--EdgeCloud:Mqtt:Tls:CertificateFile={certFile}", $"--EdgeCloud:Mqtt:Tls:KeyFile={keyFile}", "--EdgeCloud:Mqtt:ConnectTimeoutSeconds=3");
        string password = await cloud.RegisterAsync("tls-1", new { micModel = "mic-a" });

        // A device that does not speak TLS gets no CONNACK (the handshake fails and the front closes).
        (TestDevice plain, string plainResult) = await TestDevice.ConnectAsync(cloud.MqttPort, "tls-1", password);
        await plain.DisposeAsync();
        Assert.NotEqual("Success", plainResult);

        using var agent = new AgentProcess(TestPaths.NewTempDirectory(),
        [
            "--EdgeAgent:DeviceId=tls-1",
            $"--EdgeAgent:Source=wav:{DriftCorpus.CleanCurrent}",
            "--EdgeAgent:Telemetry:WindowSeconds=2",
            "--EdgeAgent:Mqtt:Host=127.0.0.1",
            $"--EdgeAgent:Mqtt:Port={cloud.MqttPort}",
            "--EdgeAgent:Mqtt:Username=tls-1",
            $"--EdgeAgent:Mqtt:Password={password}",
            "--EdgeAgent:Mqtt:UseTls=true",
            $"--EdgeAgent:Mqtt:CaFile={caFile}",
            "--EdgeAgent:Mqtt:ReconnectMinSeconds=0.2",
        ]);
        try
        {
            Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(150)) == 0, agent.Output);
            Assert.True(await FleetApiClient.EventuallyAsync(async () => (await cloud.Api.SeqsAsync("tls-1")).Count >= 10, TimeSpan.FromSeconds(30)));
            List<ulong> seqs = await cloud.Api.SeqsAsync("tls-1");
            output.WriteLine($"{seqs.Count} windows over TLS; {(await cloud.Api.GetJsonAsync("/api/ingest/stats"))}");
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (ulong)i), seqs);
            Assert.Contains("(TLS)", cloud.Output);
            Assert.Contains("mqtt-tls", (await cloud.Api.GetJsonAsync("/api/ingest/stats")).GetProperty("rejected").ToString());
        }
        finally
        {
            output.WriteLine(agent.Output.Length > 4000 ? agent.Output[^4000..] : agent.Output);
        }
    }

    /// <summary>A CA (PEM), and a server certificate for 127.0.0.1 and localhost signed by it (PEM certificate and key).</summary>
    private static (string Ca, string Certificate, string Key) MakeCertificates(string dir)
    {
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=edge-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), [1, 2, 3, 4, 5, 6, 7, 8]);

        string caFile = Path.Combine(dir, "ca.pem"), certFile = Path.Combine(dir, "broker.pem"), keyFile = Path.Combine(dir, "broker.key");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        File.WriteAllText(certFile, server.ExportCertificatePem());
        File.WriteAllText(keyFile, serverKey.ExportPkcs8PrivateKeyPem());
        return (caFile, certFile, keyFile);
    }
}
