using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCloud.Tests.Mqtt;

/// <summary>A hand-driven MQTT device (MQTTnet client) for protocol-level tests.</summary>
internal sealed class TestDevice : IAsyncDisposable
{
    private static readonly string s_profile = Convert.ToBase64String(ProfileCodec.Encode(new SignalProfile()));
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    private TestDevice(string deviceId) => DeviceId = deviceId;

    public string DeviceId { get; }

    public string BootId { get; } = Guid.NewGuid().ToString("n");

    /// <returns>The device and the broker's answer (its reason code, from the result or the refusal).</returns>
    /// <param name="keepAlive">
    /// The client's keep-alive (MQTTnet's default 15 s when null). MQTTnet waits half of it for a PINGRESP, and a broker
    /// answers a PINGREQ only after the publishes queued before it: a device that puts hundreds in flight at once needs a
    /// longer one.
    /// </param>
    public static async Task<(TestDevice Device, string Result)> ConnectAsync(int port, string deviceId, string? password, string? clientId = null, TimeSpan? keepAlive = null)
    {
        var device = new TestDevice(deviceId);
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId ?? deviceId)
            .WithCredentials(deviceId, password)
            .WithProtocolVersion(MqttProtocolVersion.V500);
        if (keepAlive is { } period)
        {
            builder = builder.WithKeepAlivePeriod(period).WithTimeout(period);
        }

        MqttClientOptions options = builder.Build();
        try
        {
            return (device, (await device._client.ConnectAsync(options)).ResultCode.ToString());
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException ex)
        {
            return (device, ex.Message);
        }
    }

    public static byte[] Summary(string bootId, ulong seq, int schemaVersion = Contract.SchemaVersion) =>
        JsonSerializer.SerializeToUtf8Bytes(new SummaryPayload
        {
            SchemaVersion = schemaVersion,
            BootId = bootId,
            Seq = seq,
            WindowStart = DateTimeOffset.UtcNow.AddSeconds(-60),
            WindowEnd = DateTimeOffset.UtcNow,
            Profile = s_profile,
        }, ContractsJsonContext.Default.SummaryPayload);

    public Task<MqttClientPublishResult> PublishSummaryAsync(ulong seq, string? asDevice = null) =>
        PublishAsync(Topics.For(asDevice ?? DeviceId, Topics.Summary), Summary(BootId, seq));

    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter)
    {
        MqttClientSubscribeResult result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return result.Items.Single().ResultCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
