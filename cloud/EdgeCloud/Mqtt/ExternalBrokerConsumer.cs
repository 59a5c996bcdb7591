using System.Buffers;
using EdgeAgent.Contracts;
using EdgeCloud.Ingest;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCloud.Mqtt;

/// <summary>
/// Consumes an external broker (Mosquitto, EMQX, HiveMQ) through shared subscriptions
/// (<c>$share/{group}/edge/v1/+/…</c>), so several cloud instances split the devices' messages. The broker
/// authenticates devices and enforces their ACLs; a message is acknowledged only after it was ingested (stored or
/// rejected), and the persistent session keeps what arrives while this instance is down.
/// </summary>
public sealed partial class ExternalBrokerConsumer(IOptions<CloudOptions> options, Ingestor ingestor, TimeProvider time, ILogger<ExternalBrokerConsumer> logger)
    : BackgroundService, ICommandPublisher
{
    private static readonly string[] s_leaves = [Topics.Status, Topics.Summary, Topics.Events, "cmd/+/ack", Topics.StateReported];
    private readonly MqttClientFactory _factory = new();
    private IMqttClient? _client;

    public async Task PublishCommandAsync(string deviceId, string name, byte[] payload, CancellationToken cancellationToken)
    {
        IMqttClient client = _client is { IsConnected: true } c ? c : throw new InvalidOperationException("not connected to the external broker");
        MqttClientPublishResult result = await client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(Topics.Command(deviceId, name)).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            cancellationToken);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"the broker refused the command: {result.ReasonCode} {result.ReasonString}");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ExternalBrokerOptions broker = options.Value.Mqtt.External;
        TimeSpan wait = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            using IMqttClient client = _factory.CreateMqttClient();
            try
            {
                client.ApplicationMessageReceivedAsync += e => OnMessageAsync(e, stoppingToken);
                MqttClientOptionsBuilder builder = _factory.CreateClientOptionsBuilder()
                    .WithTcpServer(broker.Host, broker.Port)
                    .WithClientId(broker.ClientId)
                    .WithProtocolVersion(MqttProtocolVersion.V500)
                    .WithCleanStart(false)
                    .WithSessionExpiryInterval(3600);
                if (broker.Username is not null)
                {
                    builder.WithCredentials(broker.Username, broker.Password);
                }

                await client.ConnectAsync(builder.Build(), stoppingToken);
                MqttClientSubscribeOptionsBuilder subscribe = _factory.CreateSubscribeOptionsBuilder();
                foreach (string leaf in s_leaves)
                {
                    subscribe.WithTopicFilter($"$share/{broker.SharedGroup}/{Topics.Root}/+/{leaf}", MqttQualityOfServiceLevel.AtLeastOnce);
                }

                MqttClientSubscribeResult subscribed = await client.SubscribeAsync(subscribe.Build(), stoppingToken);
                if (subscribed.Items.FirstOrDefault(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2) is { } refused)
                {
                    throw new InvalidOperationException($"the broker refused {refused.TopicFilter.Topic}: {refused.ResultCode}");
                }

                _client = client;
                wait = TimeSpan.FromSeconds(1);
                Log.Connected(logger, broker.Host, broker.Port, broker.SharedGroup, broker.ClientId);
                while (client.IsConnected)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
                }

                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Lost(logger, broker.Host, broker.Port, ex.Message, wait.TotalSeconds);
            }

            _client = null;
            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            wait = TimeSpan.FromSeconds(Math.Min(30, wait.TotalSeconds * 2));
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken cancellationToken)
    {
        // Acknowledge only once ingested: if this instance dies first, the broker redelivers and dedup keeps one copy.
        e.AutoAcknowledge = false;
        await ingestor.IngestAsync(owner: null, e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), cancellationToken);
        await e.AcknowledgeAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(5200, LogLevel.Information, "Consuming {Host}:{Port} through the shared subscription group {Group} as {ClientId}")]
        public static partial void Connected(ILogger logger, string host, int port, string group, string clientId);

        [LoggerMessage(5201, LogLevel.Warning, "External broker {Host}:{Port} unavailable: {Reason}; retrying in {RetrySeconds:F0} s")]
        public static partial void Lost(ILogger logger, string host, int port, string reason, double retrySeconds);
    }
}
