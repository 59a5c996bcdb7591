using System.Text.Json;
using EdgeAgent.TestSupport;

namespace EdgeCloud.Tests.Fleet;

/// <summary>Agents → a real Mosquitto → two cloud instances sharing the subscription → one PostgreSQL.</summary>
[Trait("Category", "Integration")]
public sealed class ExternalBrokerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoCloudInstances_SharingTheSubscription_StoreEveryWindowExactlyOnce()
    {
        using var broker = new MosquittoBroker();
        string database = PostgresServer.Shared.CreateDatabase();
        using var first = new CloudProcess(null, Settings(broker, database, "cloud-1"));
        using var second = new CloudProcess(null, Settings(broker, database, "cloud-2"));

        string[] devices = ["van-1", "van-2", "van-3"];
        var agents = new List<AgentProcess>();
        var passwords = new Dictionary<string, string>();
        try
        {
            foreach (string device in devices)
            {
                passwords[device] = await first.RegisterAsync(device, new { micModel = "mic-a" });
                broker.AddUser(device, passwords[device]); // an external broker holds the credentials the registry handed out
            }

            agents.AddRange(devices.Select(d => new AgentProcess(TestPaths.NewTempDirectory(),
            [
                $"--EdgeAgent:DeviceId={d}",
                $"--EdgeAgent:Source=wav:{DriftCorpus.CleanCurrent}",
                "--EdgeAgent:Telemetry:WindowSeconds=2",
                "--EdgeAgent:Mqtt:Host=127.0.0.1",
                $"--EdgeAgent:Mqtt:Port={broker.Port}",
                $"--EdgeAgent:Mqtt:Username={d}",
                $"--EdgeAgent:Mqtt:Password={passwords[d]}",
                "--EdgeAgent:Mqtt:ReconnectMinSeconds=0.2",
            ])));
            foreach (AgentProcess agent in agents)
            {
                Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(120)) == 0, agent.Output);
            }

            foreach (string device in devices)
            {
                // Registered through the first instance, read through the second: one database.
                Assert.True(await FleetApiClient.EventuallyAsync(async () => (await second.Api.SeqsAsync(device)).Count >= 38, TimeSpan.FromSeconds(30)));
                List<ulong> seqs = await second.Api.SeqsAsync(device);
                Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (ulong)i), seqs.Order());
            }

            JsonElement a = await first.Api.GetJsonAsync("/api/ingest/stats");
            JsonElement b = await second.Api.GetJsonAsync("/api/ingest/stats");
            output.WriteLine($"cloud-1 {a}\ncloud-2 {b}");
            Assert.True(a.GetProperty("accepted").GetInt32() > 0 && b.GetProperty("accepted").GetInt32() > 0, "both instances should take a share");
            JsonElement van = await second.Api.GetJsonAsync("/api/devices/van-1");
            Assert.Equal("mic-a", van.GetProperty("labels").GetProperty("micModel").GetString());
            Assert.NotEmpty(van.GetProperty("models").EnumerateArray());
        }
        finally
        {
            agents.ForEach(a => a.Dispose());
            output.WriteLine(first.Output);
        }
    }

    private static string[] Settings(MosquittoBroker broker, string database, string clientId) =>
    [
        "--EdgeCloud:Mqtt:Embedded=false",
        "--EdgeCloud:Mqtt:External:Host=127.0.0.1",
        $"--EdgeCloud:Mqtt:External:Port={broker.Port}",
        $"--EdgeCloud:Mqtt:External:Username={MosquittoBroker.CloudUser}",
        $"--EdgeCloud:Mqtt:External:Password={MosquittoBroker.CloudPassword}",
        $"--EdgeCloud:Mqtt:External:ClientId={clientId}",
        "--EdgeCloud:Storage:Provider=postgres",
        $"--EdgeCloud:Storage:ConnectionString={database}",
    ];
}
