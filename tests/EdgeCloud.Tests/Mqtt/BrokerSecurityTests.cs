using System.Text;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;
using EdgeCloud.Tests.Fleet;
using MQTTnet;

namespace EdgeCloud.Tests.Mqtt;

/// <summary>The embedded broker's authentication, ACLs and ingestion validation, against the real edge-cloud process.</summary>
[Trait("Category", "Integration")]
public sealed class BrokerSecurityTests(ITestOutputHelper output) : IDisposable
{
    private readonly CloudProcess _cloud = new();

    [Fact]
    public async Task Connect_WrongPasswordOrUnknownDeviceOrForeignClientId_IsRefused()
    {
        string password = await _cloud.RegisterAsync("door-1", new { micModel = "m" });

        (TestDevice wrong, string wrongResult) = await TestDevice.ConnectAsync(_cloud.MqttPort, "door-1", password + "x");
        (TestDevice unknown, string unknownResult) = await TestDevice.ConnectAsync(_cloud.MqttPort, "door-9", password);
        (TestDevice foreign, string foreignResult) = await TestDevice.ConnectAsync(_cloud.MqttPort, "door-1", password, clientId: "someone-else");
        (TestDevice right, string rightResult) = await TestDevice.ConnectAsync(_cloud.MqttPort, "door-1", password);
        await using (wrong)
        await using (unknown)
        await using (foreign)
        await using (right)
        {
            Assert.Contains(nameof(MqttClientConnectResultCode.BadUserNameOrPassword), wrongResult);
            Assert.Contains(nameof(MqttClientConnectResultCode.BadUserNameOrPassword), unknownResult);
            Assert.Contains(nameof(MqttClientConnectResultCode.ClientIdentifierNotValid), foreignResult);
            Assert.Equal(nameof(MqttClientConnectResultCode.Success), rightResult);
        }
    }

    [Fact]
    public async Task Publish_UnderAnotherDevicesId_IsRefusedAndNothingStored()
    {
        string a = await _cloud.RegisterAsync("door-a", new { micModel = "m" });
        await _cloud.RegisterAsync("door-b", new { micModel = "m" });
        (TestDevice device, _) = await TestDevice.ConnectAsync(_cloud.MqttPort, "door-a", a);
        await using (device)
        {
            MqttClientPublishResult spoofed = await device.PublishSummaryAsync(1, asDevice: "door-b");
            MqttClientPublishResult own = await device.PublishSummaryAsync(1);
            MqttClientSubscribeResultCode foreignCommands = await device.SubscribeAsync("edge/v1/door-b/cmd/#");
            MqttClientSubscribeResultCode everything = await device.SubscribeAsync("edge/v1/#");
            MqttClientSubscribeResultCode ownCommands = await device.SubscribeAsync("edge/v1/door-a/cmd/+");

            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, spoofed.ReasonCode);
            Assert.True(own.IsSuccess);
            Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, foreignCommands);
            Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, everything);
            Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, ownCommands);
        }

        Assert.Empty(await _cloud.Api.SeqsAsync("door-b"));
        Assert.Equal([1ul], await _cloud.Api.SeqsAsync("door-a"));
        JsonElement stats = await _cloud.Api.GetJsonAsync("/api/ingest/stats");
        Assert.Equal(1, stats.GetProperty("rejected").GetProperty("acl").GetInt32());
    }

    [Fact]
    public async Task Publish_BadPayloadsAndAFlood_AreRejectedByReasonWhileOtherDevicesKeepArriving()
    {
        string bad = await _cloud.RegisterAsync("noisy", new { micModel = "m" });
        string good = await _cloud.RegisterAsync("quiet", new { micModel = "m" });
        // 1,000 publishes in flight, each answered only once stored (the first 600 are within the burst): on a loaded
        // machine that outlasts MQTTnet's default keep-alive, and the client would give up on its own ping.
        (TestDevice noisy, _) = await TestDevice.ConnectAsync(_cloud.MqttPort, "noisy", bad, keepAlive: TimeSpan.FromMinutes(5));
        (TestDevice quiet, _) = await TestDevice.ConnectAsync(_cloud.MqttPort, "quiet", good);
        await using (noisy)
        await using (quiet)
        {
            string summary = Topics.For("noisy", Topics.Summary);
            Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, (await noisy.PublishAsync(summary, Encoding.UTF8.GetBytes("{not json"))).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, (await noisy.PublishAsync(summary, TestDevice.Summary(noisy.BootId, 1, schemaVersion: 99))).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, (await noisy.PublishAsync(summary, new byte[200_000])).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, (await noisy.PublishAsync(summary, Encoding.UTF8.GetBytes("{\"schemaVersion\":1,\"bootId\":\"b\",\"seq\":1,\"profile\":\"AAAA\"}"))).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.TopicNameInvalid, (await noisy.PublishAsync("edge/v1/noisy/secrets", [1])).ReasonCode);

            // A flood: far more than the burst allowance, interleaved with the quiet device's windows.
            var floods = new List<Task<MqttClientPublishResult>>();
            for (ulong seq = 1; seq <= 1000; seq++)
            {
                floods.Add(noisy.PublishSummaryAsync(seq));
                if (seq % 100 == 0)
                {
                    Assert.True((await quiet.PublishSummaryAsync(seq / 100)).IsSuccess);
                }
            }

            MqttClientPublishResult[] results = await Task.WhenAll(floods);
            output.WriteLine($"flood: {results.Count(r => r.IsSuccess)} accepted, {results.Count(r => r.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded)} over quota");
            Assert.Contains(results, r => r.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded);
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), await _cloud.Api.SeqsAsync("quiet"));
        JsonElement rejected = (await _cloud.Api.GetJsonAsync("/api/ingest/stats")).GetProperty("rejected");
        output.WriteLine(rejected.ToString());
        Assert.Equal(2, rejected.GetProperty("malformed").GetInt32()); // not JSON, and a profile that is not one
        Assert.Equal(1, rejected.GetProperty("schema").GetInt32());
        Assert.Equal(1, rejected.GetProperty("too-large").GetInt32());
        Assert.Equal(1, rejected.GetProperty("topic").GetInt32());
        Assert.True(rejected.GetProperty("rate").GetInt32() > 0);
        Assert.Contains("noisy", _cloud.Output);
    }

    [Fact]
    public async Task Duplicates_AndOutOfOrderWindows_AreStoredOnce()
    {
        string password = await _cloud.RegisterAsync("kiosk", new { micModel = "m" });
        (TestDevice device, _) = await TestDevice.ConnectAsync(_cloud.MqttPort, "kiosk", password);
        await using (device)
        {
            foreach (ulong seq in new ulong[] { 3, 1, 2, 2, 3, 4 })
            {
                Assert.True((await device.PublishSummaryAsync(seq)).IsSuccess);
            }
        }

        Assert.Equal([1ul, 2, 3, 4], (await _cloud.Api.SeqsAsync("kiosk")).Order().ToList());
        JsonElement stats = await _cloud.Api.GetJsonAsync("/api/ingest/stats");
        Assert.Equal(4, stats.GetProperty("accepted").GetInt32());
        Assert.Equal(2, stats.GetProperty("duplicates").GetInt32());
    }

    public void Dispose() => _cloud.Dispose();
}
