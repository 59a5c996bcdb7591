using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Service.Clips;

/// <summary>
/// Clip capture and upload on the device (configuration section <c>EdgeAgent:Clips</c>). What is captured is the
/// cloud's policy (<c>GET /api/device/clips/policy</c>), off until the cloud says otherwise; these settings shape how.
/// The cloud's address and the device's credentials are the model registry's (<c>EdgeAgent:Updates:RegistryUrl</c>,
/// <c>EdgeAgent:Mqtt:Username/Password</c>); without a registry URL nothing is captured.
/// </summary>
public sealed class ClipOptions
{
    public const string SectionName = "EdgeAgent:Clips";

    /// <summary>How often the policy is fetched again (it is fetched at start too).</summary>
    [Range(5, 86_400)]
    public int PolicyRefreshSeconds { get; set; } = 300;

    /// <summary>Recent audio kept in memory for clips (16 kHz, 16-bit: 32 KB a second).</summary>
    [Range(3, 60)]
    public double RingSeconds { get; set; } = 5;

    /// <summary>A detection or near-miss clip starts this long before the score's peak…</summary>
    [Range(0.1, 10)]
    public double PreRollSeconds { get; set; } = 1.5;

    /// <summary>…and ends this long after it.</summary>
    [Range(0.1, 10)]
    public double PostRollSeconds { get; set; } = 1;

    /// <summary>A speech segment's clip (random speech, drift alarm) is cut to its last this many seconds.</summary>
    [Range(0.5, 30)]
    public double MaxSegmentSeconds { get; set; } = 4;

    /// <summary>Drift-alarm clips at most per sliding hour, within the policy's MaxClipsPerHour.</summary>
    [Range(0, 60)]
    public int DriftAlarmClipsPerHour { get; set; } = 4;

    /// <summary>A score peak at or above this (and below the threshold) counts as a near miss for the implicit signals.</summary>
    [Range(0.01, 0.99)]
    public double NearMissLow { get; set; } = 0.3;

    /// <summary>Capture requests waiting for their post-roll; beyond it new ones are dropped (and counted).</summary>
    [Range(1, 1024)]
    public int PendingLimit { get; set; } = 32;

    /// <summary>First and largest wait after a failed upload or policy fetch (exponential, with jitter).</summary>
    [Range(0.01, 3600)]
    public double BackoffSeconds { get; set; } = 5;

    [Range(0.01, 86_400)]
    public double MaxBackoffSeconds { get; set; } = 600;

    /// <summary>One upload or policy request may take this long.</summary>
    [Range(1, 3600)]
    public int RequestTimeoutSeconds { get; set; } = 60;
}
