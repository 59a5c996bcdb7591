using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeCloud;

/// <summary>The cloud's configuration (section <c>EdgeCloud</c>).</summary>
public sealed class CloudOptions
{
    public const string SectionName = "EdgeCloud";

    /// <summary>Where the embedded store keeps its file (LiteDB).</summary>
    [Required]
    public string DataDir { get; set; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".edgecloud");

    /// <summary>The first admin API key (header X-Api-Key); more keys are made through the API.</summary>
    public string? AdminApiKey { get; set; }

    [ValidateObjectMembers]
    public MqttOptions Mqtt { get; set; } = new();

    public StorageOptions Storage { get; set; } = new();

    [ValidateObjectMembers]
    public IngestOptions Ingest { get; set; } = new();

    [ValidateObjectMembers]
    public FleetOptions Fleet { get; set; } = new();

    [ValidateObjectMembers]
    public RegistryOptions Registry { get; set; } = new();

    [ValidateObjectMembers]
    public RolloutOptions Rollouts { get; set; } = new();

    [ValidateObjectMembers]
    public RollupOptions Rollups { get; set; } = new();

    [ValidateObjectMembers]
    public RetentionOptions Retention { get; set; } = new();

    [ValidateObjectMembers]
    public Clips.ClipOptions Clips { get; set; } = new();

    [ValidateObjectMembers]
    public Quality.QualityOptions Quality { get; set; } = new();

    /// <summary>A device counts as offline when nothing arrived from it for this long (besides its will).</summary>
    [Range(1, 86_400)]
    public int OfflineAfterSeconds { get; set; } = 300;
}

public sealed class MqttOptions
{
    /// <summary>Run the broker in-process (MQTTnet.Server); otherwise consume an external broker.</summary>
    public bool Embedded { get; set; } = true;

    [Range(0, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>Address the embedded broker listens on (all interfaces by default).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    [ValidateObjectMembers]
    public ExternalBrokerOptions External { get; set; } = new();

    /// <summary>
    /// Largest CONNECT accepted before authentication (client id, credentials, the will): a larger one is refused
    /// from its fixed header, before anything is buffered.
    /// </summary>
    [Range(256, 1024 * 1024)]
    public int MaxConnectBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// Largest MQTT packet of an authenticated connection (remaining length); a larger one closes the connection
    /// from its fixed header. Above <see cref="IngestOptions.MaxPayloadBytes"/> so that a payload a little too large
    /// is still answered with a reason code ("too-large").
    /// </summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxPacketBytes { get; set; } = 256 * 1024;

    /// <summary>Connections that have not yet been answered (TLS handshake, CONNECT, the broker's CONNACK); more are closed at once.</summary>
    [Range(1, 100_000)]
    public int MaxPendingConnections { get; set; } = 128;

    /// <summary>Time a new connection has for its TLS handshake and its CONNECT.</summary>
    [Range(0.1, 600)]
    public double ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>TLS for the embedded broker: the server certificate (PEM) and its key (PEM; omit when the certificate file holds it).</summary>
    public MqttTlsOptions Tls { get; set; } = new();
}

public sealed class MqttTlsOptions
{
    /// <summary>PEM certificate (chain) of the broker; TLS is on when set.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of the certificate.</summary>
    public string? KeyFile { get; set; }
}

public sealed class ExternalBrokerOptions
{
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Shared-subscription group: instances in one group split the devices' messages.</summary>
    public string SharedGroup { get; set; } = "edge-cloud";

    /// <summary>
    /// This instance's client id: unique per instance and stable across its restarts, so that a restarted instance
    /// resumes its session (and what the broker queued for it meanwhile).
    /// </summary>
    public string ClientId { get; set; } = $"edge-cloud-{Environment.MachineName}";

    /// <summary>
    /// How long the broker keeps this instance's session while it is away. A shared group keeps sending an absent
    /// member its share until then, so an instance that is gone for good delays that share by this much.
    /// </summary>
    [Range(0, 7 * 86_400)]
    public uint SessionExpirySeconds { get; set; } = 300;
}

public sealed class StorageOptions
{
    /// <summary><c>litedb</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "litedb";

    /// <summary>Npgsql connection string when the provider is postgres.</summary>
    public string? ConnectionString { get; set; }
}

public sealed class IngestOptions
{
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    /// <summary>Messages a device may send at once (a backlog after an outage drains in bursts of this size).</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 600;

    /// <summary>Sustained messages per minute per device.</summary>
    [Range(1, 1_000_000)]
    public int PerMinute { get; set; } = 120;
}

public sealed class FleetOptions
{
    /// <summary>How often every cohort is evaluated for fleet alarms.</summary>
    [Range(1, 86_400)]
    public int EvaluateEverySeconds { get; set; } = 60;

    /// <summary>Hours of windows a cohort's evaluation merges.</summary>
    [Range(0.01, 744)]
    public double WindowHours { get; set; } = 1;

    /// <summary>Drifting evaluations in a row that raise a fleet alarm, and clean ones that clear it.</summary>
    [Range(1, 1000)]
    public int RaiseAfter { get; set; } = 2;

    [Range(1, 1000)]
    public int ClearAfter { get; set; } = 3;
}

public sealed class RegistryOptions
{
    /// <summary>PEM file of the ECDSA P-256 key that signs model manifests (default: one made in the data directory).</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>Largest model file accepted.</summary>
    [Range(1024, 15 * 1024 * 1024)]
    public int MaxModelBytes { get; set; } = 15 * 1024 * 1024;
}

public sealed class RolloutOptions
{
    /// <summary>Whether this instance may drive rollouts; of those that may, the one holding the store's lease does.</summary>
    public bool Drive { get; set; } = true;

    /// <summary>How often running rollouts are evaluated.</summary>
    [Range(0.1, 3600)]
    public double TickSeconds { get; set; } = 2;

    /// <summary>A device that has not reached the expected phase this long after being asked counts as failed.</summary>
    [Range(1, 86_400)]
    public int DeviceDeadlineSeconds { get; set; } = 600;

    /// <summary>A device that has not acknowledged its desired state (by its reported appliedVersion) this long after it was sent is sent it again (then less and less often, up to once a minute).</summary>
    [Range(0.1, 3600)]
    public double DesiredResendSeconds { get; set; } = 5;
}
