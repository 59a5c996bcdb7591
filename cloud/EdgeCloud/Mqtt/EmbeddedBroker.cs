using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeAgent.Contracts;
using EdgeCloud.Ingest;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeCloud.Mqtt;

/// <summary>
/// The default broker, in-process (MQTTnet.Server): a device connects with its id as client id and username and the
/// password it was registered with; it may publish only under <c>edge/v1/{its id}/</c> and subscribe only to its own
/// <c>cmd/…</c> and <c>state/desired</c>. Every publish is ingested before its PUBACK, so a PUBACK means stored; the
/// PUBACK's reason code tells the device when a message was refused (and QuotaExceeded when it should retry later).
/// </summary>
public sealed partial class EmbeddedBroker(
    IOptions<CloudOptions> options,
    ICloudStore store,
    Ingestor ingestor,
    IngestStats stats,
    ILogger<EmbeddedBroker> logger) : IHostedService, ICommandPublisher
{
    private MqttServer? _server;
    private MqttFront? _front;

    /// <summary>The port devices connect to (the front's), once started.</summary>
    public int Port => _front?.Port ?? 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        MqttOptions mqtt = options.Value.Mqtt;
        X509Certificate2? certificate = MqttFront.LoadCertificate(mqtt.Tls);

        // The broker itself listens on loopback only; devices reach it through the front, which bounds packets.
        int internalPort = FreeLoopbackPort();
        MqttServerOptions serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(internalPort)
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(1000)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions);
        _server.ValidatingConnectionAsync += ValidateAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        await _server.StartAsync();
        _front = new MqttFront(mqtt, new IPEndPoint(IPAddress.Loopback, internalPort), certificate, stats, logger);
        _front.Start();
        Log.Started(logger, mqtt.BindAddress, _front.Port, certificate is null ? "plain TCP" : "TLS");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_front is not null)
        {
            await _front.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.StopAsync();
            _server.Dispose();
        }
    }

    public Task PublishCommandAsync(string deviceId, string name, byte[] payload, CancellationToken cancellationToken) =>
        InjectAsync(Topics.Command(deviceId, name), payload, retain: false, cancellationToken);

    public Task PublishDesiredAsync(string deviceId, byte[] payload, CancellationToken cancellationToken) =>
        InjectAsync(Topics.For(deviceId, Topics.StateDesired), payload, retain: true, cancellationToken);

    private async Task InjectAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        MqttServer server = _server ?? throw new InvalidOperationException("the broker is not running");
        MqttApplicationMessage message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "edge-cloud" }, cancellationToken);
    }

    private async Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        DeviceRecord? device = Topics.IsValidDeviceId(e.UserName) ? await store.GetDeviceAsync(e.UserName) : null;
        if (device is null || !DeviceCredentials.Matches(e.Password, device.PasswordHash))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            Log.Refused(logger, e.UserName ?? "", e.ClientId, "bad username or password");
            return;
        }

        if (e.ClientId != e.UserName)
        {
            e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            Log.Refused(logger, e.UserName, e.ClientId, "client id must be the device id");
            return;
        }

        e.ReasonCode = MqttConnectReasonCode.Success;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        if (e.ClientId == "edge-cloud" && e.UserName is null)
        {
            return; // our own command messages
        }

        string outcome = await ingestor.IngestAsync(e.UserName ?? "", e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), e.CancellationToken);
        bool keep = outcome is Ingestor.Accepted or Ingestor.Duplicate;

        // Only the retained status needs the broker's routing; everything else was consumed here.
        e.ProcessPublish = keep && e.ApplicationMessage.Topic.EndsWith("/" + Topics.Status, StringComparison.Ordinal);
        e.Response.ReasonCode = outcome switch
        {
            Ingestor.Accepted or Ingestor.Duplicate => MqttPubAckReasonCode.Success,
            Rejections.Acl or Rejections.UnknownDevice => MqttPubAckReasonCode.NotAuthorized,
            Rejections.Topic => MqttPubAckReasonCode.TopicNameInvalid,
            Rejections.Rate => MqttPubAckReasonCode.QuotaExceeded,
            _ => MqttPubAckReasonCode.PayloadFormatInvalid,
        };
        e.Response.ReasonString = keep ? null : outcome;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        string own = $"{Topics.Root}/{e.UserName}/";
        string filter = e.TopicFilter.Topic;
        bool allowed = e.UserName is not null
            && filter.StartsWith(own, StringComparison.Ordinal)
            && filter[own.Length..] is var leaf
            && (leaf == Topics.StateDesired || leaf == "cmd/#" || leaf == "cmd/+" || (leaf.StartsWith("cmd/", StringComparison.Ordinal) && !leaf.Contains('#', StringComparison.Ordinal)));
        if (!allowed)
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            Log.SubscriptionRefused(logger, e.UserName ?? "", filter);
        }

        return Task.CompletedTask;
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static partial class Log
    {
        [LoggerMessage(5100, LogLevel.Information, "Embedded MQTT broker listening on {Address}:{Port} ({Transport})")]
        public static partial void Started(ILogger logger, string address, int port, string transport);

        [LoggerMessage(5101, LogLevel.Warning, "Refused MQTT connection of {Username} (client {ClientId}): {Reason}")]
        public static partial void Refused(ILogger logger, string username, string clientId, string reason);

        [LoggerMessage(5102, LogLevel.Warning, "Refused subscription of {Username} to {Filter}")]
        public static partial void SubscriptionRefused(ILogger logger, string username, string filter);
    }
}

/// <summary>Sends a command to a device through whichever broker the cloud uses.</summary>
public interface ICommandPublisher
{
    Task PublishCommandAsync(string deviceId, string name, byte[] payload, CancellationToken cancellationToken);

    /// <summary>Publishes a device's desired state, retained, so it reaches the device whenever it connects.</summary>
    Task PublishDesiredAsync(string deviceId, byte[] payload, CancellationToken cancellationToken);
}
