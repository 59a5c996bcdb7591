using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Link;

/// <summary>The agent's MQTT link (configuration section <c>EdgeAgent:Mqtt</c>); without a host the link is off.</summary>
public sealed class LinkOptions
{
    public const string SectionName = "EdgeAgent:Mqtt";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool UseTls { get; set; }

    /// <summary>PEM file of the CA that signed the broker's certificate (TLS); without one the system's trust store is used.</summary>
    public string? CaFile { get; set; }

    [Range(5, 3600)]
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>First and largest wait between connection attempts (exponential, with jitter).</summary>
    [Range(0.05, 3600)]
    public double ReconnectMinSeconds { get; set; } = 1;

    [Range(0.05, 3600)]
    public double ReconnectMaxSeconds { get; set; } = 60;

    /// <summary>Bound of the on-disk outbox; beyond it the oldest telemetry is dropped (and counted).</summary>
    [Range(16 * 1024, long.MaxValue)]
    public long OutboxMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>On a clean stop, how long queued messages may take to go out before the link closes.</summary>
    public TimeSpan FlushOnStop { get; set; } = TimeSpan.FromSeconds(5);

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}
