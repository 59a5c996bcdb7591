using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Service.Updates;

/// <summary>Model updates (configuration section <c>EdgeAgent:Updates</c>).</summary>
public sealed class UpdaterOptions
{
    public const string SectionName = "EdgeAgent:Updates";

    /// <summary>The cloud's HTTP address (e.g. <c>https://cloud.example:8080</c>); downloads use the device's MQTT credentials. Empty: no downloads.</summary>
    public string? RegistryUrl { get; set; }

    /// <summary>The registry's public key (PEM, from <c>GET /api/models/signing-key</c>), pinned: manifests signed by any other key are refused.</summary>
    public string? RegistryKeyFile { get; set; }

    /// <summary>PEM file of the CA that signed the cloud's HTTPS certificate; without one the system's trust store is used.</summary>
    public string? CaFile { get; set; }

    /// <summary>How often shadow and probation numbers are reported and the probation is checked.</summary>
    [Range(1, 3600)]
    public int ReportSeconds { get; set; } = 30;

    /// <summary>The share of real time a shadow candidate may use; beyond it, its work is skipped (and counted).</summary>
    [Range(0.01, 4)]
    public double ShadowCpuBudget { get; set; } = 0.5;

    /// <summary>Agent starts while a new model is on probation before the agent goes back to the previous one (a crash loop).</summary>
    [Range(1, 100)]
    public int MaxProbationStarts { get; set; } = 2;

    /// <summary>Download attempts per step before the device reports FAILED.</summary>
    [Range(1, 100)]
    public int DownloadAttempts { get; set; } = 5;

    public bool CanDownload => !string.IsNullOrWhiteSpace(RegistryUrl);
}
