using System.ComponentModel.DataAnnotations;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Service.Recording;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Drift;

/// <summary>The agent's drift watch (configuration section <c>EdgeAgent:Drift</c>).</summary>
public sealed class DriftWatchOptions
{
    public const string SectionName = "EdgeAgent:Drift";

    public bool Enabled { get; set; } = true;

    /// <summary>A reference profile (<c>edgectl profile build</c>); without one the device learns its own baseline.</summary>
    public string? ReferenceFile { get; set; }

    /// <summary>Closed windows kept in the store (10,080 one-minute windows = 7 days).</summary>
    [Range(1, 1_000_000)]
    public int RetainWindows { get; set; } = 10_080;

    [ValidateObjectMembers]
    public DriftMonitorOptions Monitor { get; set; } = new();

    [ValidateObjectMembers]
    public DriftOptions Tests { get; set; } = new();

    [ValidateObjectMembers]
    public AlarmStateMachineOptions Alarms { get; set; } = new();

    /// <summary>The background recorder that stores and sends closed windows (<c>EdgeAgent:Drift:Recorder</c>).</summary>
    [ValidateObjectMembers]
    public RecorderOptions Recorder { get; set; } = new();
}
