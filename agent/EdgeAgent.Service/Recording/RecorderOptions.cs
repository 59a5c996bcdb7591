using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Service.Recording;

/// <summary>
/// The background recorder that stores and publishes closed windows off the audio thread (configuration section
/// <c>EdgeAgent:Drift:Recorder</c>).
/// </summary>
public sealed class RecorderOptions
{
    /// <summary>Closed windows waiting to be written; beyond it a new window is dropped (and counted), capture never waits.</summary>
    [Range(1, 100_000)]
    public int QueueLimit { get; set; } = 120;

    /// <summary>Windows written per batch (a backlog after a stall is written in batches of this size).</summary>
    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Tries of one batch before it is given up (and counted as failed).</summary>
    [Range(1, 100)]
    public int Attempts { get; set; } = 5;

    /// <summary>The wait after a batch's first failure; it doubles on each further failure up to <see cref="MaxBackoffSeconds"/>.</summary>
    [Range(0.001, 3600)]
    public double BackoffSeconds { get; set; } = 1;

    [Range(0.001, 3600)]
    public double MaxBackoffSeconds { get; set; } = 60;
}
