using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using EdgeAgent.Contracts;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAgent.Link;

/// <summary>
/// The device's connection to the cloud: connects with its own credentials (TLS optional) and a retained Last Will
/// (<c>offline</c> with this connection's bdSeq), publishes the retained birth, drains the <see cref="Outbox"/> in
/// order — a message leaves the outbox only on its PUBACK — answers commands on <c>cmd/{name}</c> and hands the retained
/// <c>state/desired</c> to <paramref name="desired"/> (again on every connection). Reconnects with
/// exponential backoff and jitter; on a clean stop publishes <c>offline</c> itself.
/// </summary>
public sealed partial class MqttLink(
    LinkOptions options,
    string deviceId,
    Outbox outbox,
    Func<long, StatusPayload> birth,
    CommandHandler commands,
    Action<ReadOnlyMemory<byte>> desired,
    TimeProvider time,
    ILogger logger)
{
    public const string AckSequence = "ack";
    private const int Batch = 64;
    private readonly MqttClientFactory _factory = new();
    private long _published;
    private long _refused;
    private long _bdSeq;
    private volatile bool _birthChanged;

    public bool IsConnected { get; private set; }

    /// <summary>Messages acknowledged by the broker since start.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Messages the broker refused for good (their PUBACK said so); they are logged and removed.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Publishes the birth again on the live connection (e.g. once the models are loaded).</summary>
    public void AnnounceAgain() => _birthChanged = true;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait = TimeSpan.FromSeconds(options.ReconnectMinSeconds);
        while (!cancellationToken.IsCancellationRequested)
        {
            using IMqttClient client = _factory.CreateMqttClient();
            long bdSeq = outbox.Next("bdSeq");
            Interlocked.Exchange(ref _bdSeq, bdSeq);
            try
            {
                MqttClientConnectResult result = await client.ConnectAsync(BuildOptions(bdSeq), cancellationToken);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new MqttLinkException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
                }

                IsConnected = true;
                wait = TimeSpan.FromSeconds(options.ReconnectMinSeconds);
                Log.Connected(logger, options.Host!, options.Port, bdSeq, outbox.Count);
                client.ApplicationMessageReceivedAsync += e => OnMessageAsync(e, cancellationToken);
                _birthChanged = false;
                await PublishAsync(client, Topics.For(deviceId, Topics.Status), retain: true, Serialize(birth(bdSeq)), cancellationToken);
                await client.SubscribeAsync(_factory.CreateSubscribeOptionsBuilder()
                    .WithTopicFilter(f => f.WithTopic(Topics.For(deviceId, "cmd/+")).WithAtLeastOnceQoS())
                    .WithTopicFilter(f => f.WithTopic(Topics.For(deviceId, Topics.StateDesired)).WithAtLeastOnceQoS())
                    .Build(), cancellationToken);
                await DrainAsync(client, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await FlushAsync(client);
                await GoOfflineAsync(client, bdSeq);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.ConnectionLost(logger, options.Host!, options.Port, ex.Message, wait.TotalSeconds, outbox.Count);
            }
            finally
            {
                IsConnected = false;
            }

            // Exponential backoff with full jitter, so a fleet does not reconnect in lockstep after an outage.
            TimeSpan delay = TimeSpan.FromSeconds(wait.TotalSeconds * (0.5 + Random.Shared.NextDouble() / 2));
            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            wait = TimeSpan.FromSeconds(Math.Min(options.ReconnectMaxSeconds, wait.TotalSeconds * 2));
        }
    }

    private async Task DrainAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!client.IsConnected)
            {
                throw new MqttLinkException("disconnected");
            }

            if (_birthChanged)
            {
                _birthChanged = false;
                await PublishAsync(client, Topics.For(deviceId, Topics.Status), retain: true, Serialize(birth(Interlocked.Read(ref _bdSeq))), cancellationToken);
            }

            if (!await SendBatchAsync(client, cancellationToken))
            {
                await outbox.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    /// <summary>On a clean stop: what is still queued gets a few seconds to go out (the rest stays on disk).</summary>
    private async Task FlushAsync(IMqttClient client)
    {
        using var deadline = new CancellationTokenSource(options.FlushOnStop);
        try
        {
            while (client.IsConnected && await SendBatchAsync(client, deadline.Token))
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or MqttLinkException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // What did not go out stays in the outbox for the next start.
        }
    }

    /// <summary>Sends the oldest queued messages; false when the outbox was empty.</summary>
    private async Task<bool> SendBatchAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        IReadOnlyList<OutboxMessage> batch = outbox.Peek(Batch);
        foreach (OutboxMessage message in batch)
        {
            MqttClientPublishResult result = await PublishResultAsync(client, message.Topic, message.Retain, message.Payload, cancellationToken);
            if (result.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded)
            {
                // Over the cloud's rate: keep it and slow down.
                throw new MqttLinkException("the cloud asks to slow down (quota exceeded)");
            }

            if (!result.IsSuccess)
            {
                // The broker read it and said no (malformed, not authorised): retrying cannot help.
                Interlocked.Increment(ref _refused);
                Log.Refused(logger, message.Topic, result.ReasonCode.ToString(), result.ReasonString ?? "");
            }
            else
            {
                Interlocked.Increment(ref _published);
            }

            outbox.Remove(message.Id);
        }

        return batch.Count > 0;
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken cancellationToken)
    {
        string topic = e.ApplicationMessage.Topic;
        if (topic == Topics.For(deviceId, Topics.StateDesired))
        {
            desired(e.ApplicationMessage.Payload.ToArray());
            return;
        }

        string prefix = Topics.For(deviceId, "cmd/");
        string name = topic.StartsWith(prefix, StringComparison.Ordinal) ? topic[prefix.Length..] : "";
        CommandAck ack;
        try
        {
            CommandPayload command = JsonSerializer.Deserialize(e.ApplicationMessage.Payload.ToArray(), ContractsJsonContext.Default.CommandPayload)
                ?? throw new JsonException("empty command");
            ack = command.ExpiresAt < time.GetUtcNow()
                ? new CommandAck { CmdId = command.CmdId, Status = CommandAck.Expired, Detail = $"expired at {command.ExpiresAt:o}" }
                : await commands(name, command, cancellationToken);
            Log.Command(logger, name, command.CmdId, ack.Status);
        }
        catch (JsonException ex)
        {
            Log.BadCommand(logger, name, ex.Message);
            return;
        }

        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(ack, ContractsJsonContext.Default.CommandAck);
        outbox.Enqueue(AckSequence, Outbox.Event, Topics.CommandAck(deviceId, name), retain: false, _ => payload);
    }

    private async Task GoOfflineAsync(IMqttClient client, long bdSeq)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await PublishAsync(client, Topics.For(deviceId, Topics.Status), retain: true, Serialize(new StatusPayload { State = StatusPayload.Offline, BdSeq = bdSeq }), timeout.Token);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token);
            Log.Offline(logger, outbox.Count);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.OfflineFailed(logger, ex.Message);
        }
    }

    private MqttClientOptions BuildOptions(long bdSeq)
    {
        MqttClientOptionsBuilder builder = _factory.CreateClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(deviceId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(24 * 3600)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic(Topics.For(deviceId, Topics.Status))
            .WithWillPayload(Serialize(new StatusPayload { State = StatusPayload.Offline, BdSeq = bdSeq }))
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain();
        if (options.Username is not null)
        {
            builder.WithCredentials(options.Username, options.Password);
        }

        if (options.UseTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (!string.IsNullOrWhiteSpace(options.CaFile))
                {
                    var trust = new X509Certificate2Collection();
                    trust.ImportFromPemFile(options.CaFile);
                    tls.WithTrustChain(trust);
                }
            });
        }

        return builder.Build();
    }

    private async Task PublishAsync(IMqttClient client, string topic, bool retain, byte[] payload, CancellationToken cancellationToken)
    {
        MqttClientPublishResult result = await PublishResultAsync(client, topic, retain, payload, cancellationToken);
        if (!result.IsSuccess)
        {
            throw new MqttLinkException($"broker refused {topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }

    private static Task<MqttClientPublishResult> PublishResultAsync(IMqttClient client, string topic, bool retain, byte[] payload, CancellationToken cancellationToken) =>
        client.PublishAsync(
            new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(retain)
                .WithContentType("application/json")
                .Build(),
            cancellationToken);

    private static byte[] Serialize(StatusPayload status) => JsonSerializer.SerializeToUtf8Bytes(status, ContractsJsonContext.Default.StatusPayload);

    private static partial class Log
    {
        [LoggerMessage(4000, LogLevel.Information, "MQTT link connected to {Host}:{Port} (bdSeq {BdSeq}); {Queued} message(s) waiting in the outbox")]
        public static partial void Connected(ILogger logger, string host, int port, long bdSeq, int queued);

        [LoggerMessage(4001, LogLevel.Warning, "MQTT link to {Host}:{Port} down: {Reason}; retrying in ~{RetrySeconds:F0} s, {Queued} message(s) kept in the outbox")]
        public static partial void ConnectionLost(ILogger logger, string host, int port, string reason, double retrySeconds, int queued);

        [LoggerMessage(4002, LogLevel.Warning, "Broker refused {Topic}: {ReasonCode} {ReasonString}; the message is dropped")]
        public static partial void Refused(ILogger logger, string topic, string reasonCode, string reasonString);

        [LoggerMessage(4003, LogLevel.Information, "Command {Name} ({CmdId}): {Status}")]
        public static partial void Command(ILogger logger, string name, string cmdId, string status);

        [LoggerMessage(4004, LogLevel.Warning, "Ignored a malformed command on {Name}: {Problem}")]
        public static partial void BadCommand(ILogger logger, string name, string problem);

        [LoggerMessage(4005, LogLevel.Information, "MQTT link closed cleanly (offline published); {Queued} message(s) kept in the outbox")]
        public static partial void Offline(ILogger logger, int queued);

        [LoggerMessage(4006, LogLevel.Warning, "MQTT link could not say offline on stop: {Reason}")]
        public static partial void OfflineFailed(ILogger logger, string reason);
    }
}

/// <summary>Runs one command and says how it went.</summary>
public delegate Task<CommandAck> CommandHandler(string name, CommandPayload command, CancellationToken cancellationToken);

public sealed class MqttLinkException(string message) : Exception(message);
