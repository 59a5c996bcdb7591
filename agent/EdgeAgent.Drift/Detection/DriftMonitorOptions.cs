using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Drift.Detection;

/// <summary>How the device watches its own input (configuration section <c>EdgeAgent:Drift:Monitor</c>).</summary>
public sealed class DriftMonitorOptions
{
    /// <summary>Length of one profile window.</summary>
    [Range(1, 3600)]
    public double WindowSeconds { get; set; } = 60;

    /// <summary>Windows merged for one evaluation (enough speech evidence without waiting for the hour).</summary>
    [Range(1, 1440)]
    public int EvaluationWindows { get; set; } = 5;

    /// <summary>Without a shipped reference, speech the device collects first as its own baseline.</summary>
    [Range(1, 86_400)]
    public double BaselineSpeechSeconds { get; set; } = 120;

    /// <summary>Raise the minimum effects to mean + k·σ of the device's own windows around its learned baseline.</summary>
    public bool AdaptThresholds { get; set; } = true;

    /// <summary>k of the adapted thresholds.</summary>
    [Range(0, 10)]
    public double ThresholdSigmas { get; set; } = 3;
}
