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
    private static readonly string[] s_leaves = [Topics.Status, Topics.Summary, Topics.Events, "cmd/+/ack", Topics.StateReported, Topics.StateProgress];
    private const int MaxInFlight = 4096;
    private readonly MqttClientFactory _factory = new();
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight);
    private IMqttClient? _client;

    public Task PublishCommandAsync(string deviceId, string name, byte[] payload, CancellationToken cancellationToken) =>
        PublishAsync(Topics.Command(deviceId, name), payload, retain: false, cancellationToken);

    public Task PublishDesiredAsync(string deviceId, byte[] payload, CancellationToken cancellationToken) =>
        PublishAsync(Topics.For(deviceId, Topics.StateDesired), payload, retain: true, cancellationToken);

    private async Task PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        IMqttClient client = _client is { IsConnected: true } c ? c : throw new InvalidOperationException("not connected to the external broker");
        MqttClientPublishResult result = await client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            cancellationToken);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"the broker refused {topic}: {result.ReasonCode} {result.ReasonString}");
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
                    .WithSessionExpiryInterval(broker.SessionExpirySeconds)
                    .WithReceiveMaximum(MaxInFlight);
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

    /// <summary>
    /// Hands the message to ingestion and returns at once, so the client keeps receiving while earlier messages wait
    /// for their group commit; at most <see cref="MaxInFlight"/> are in progress. Each is acknowledged only once
    /// ingested: if this instance dies first, the broker redelivers it and dedup keeps one copy.
    /// </summary>
    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken cancellationToken)
    {
        e.AutoAcknowledge = false;
        string topic = e.ApplicationMessage.Topic;
        byte[] payload = e.ApplicationMessage.Payload.ToArray();
        await _inFlight.WaitAsync(cancellationToken);
        _ = IngestAndAcknowledgeAsync(e, topic, payload, cancellationToken);
    }

    private async Task IngestAndAcknowledgeAsync(MqttApplicationMessageReceivedEventArgs e, string topic, byte[] payload, CancellationToken cancellationToken)
    {
        try
        {
            await ingestor.IngestAsync(owner: null, topic, payload, cancellationToken);
            await e.AcknowledgeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not acknowledged: the broker delivers it again after a reconnect.
            Log.IngestFailed(logger, topic, ex.Message);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5200, LogLevel.Information, "Consuming {Host}:{Port} through the shared subscription group {Group} as {ClientId}")]
        public static partial void Connected(ILogger logger, string host, int port, string group, string clientId);

        [LoggerMessage(5202, LogLevel.Warning, "Could not ingest a message on {Topic}: {Reason}; the broker will deliver it again")]
        public static partial void IngestFailed(ILogger logger, string topic, string reason);

        [LoggerMessage(5201, LogLevel.Warning, "External broker {Host}:{Port} unavailable: {Reason}; retrying in {RetrySeconds:F0} s")]
        public static partial void Lost(ILogger logger, string host, int port, string reason, double retrySeconds);
    }
}
