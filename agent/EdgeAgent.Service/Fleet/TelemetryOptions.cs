using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Service.Fleet;

/// <summary>What the agent reports (configuration section <c>EdgeAgent:Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "EdgeAgent:Telemetry";

    /// <summary>Length of one window: one drift evaluation and one summary each.</summary>
    [Range(1, 3600)]
    public double WindowSeconds { get; set; } = 60;
}
