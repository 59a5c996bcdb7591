using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Drift.Detection;

/// <summary>Thresholds of the drift tests (configuration section <c>EdgeAgent:Drift</c>).</summary>
public sealed class DriftOptions
{
    public const string SectionName = "EdgeAgent:Drift";

    /// <summary>Jensen–Shannon distance at or above which a distribution has changed shape.</summary>
    [Range(0.01, 1)]
    public double JensenShannonThreshold { get; set; } = 0.3;

    /// <summary>Speech needed before speech features give a verdict.</summary>
    [Range(1, 3600)]
    public double MinSpeechSeconds { get; set; } = 20;

    /// <summary>Non-speech signal needed before noise-floor features give a verdict.</summary>
    [Range(1, 3600)]
    public double MinNonSpeechSeconds { get; set; } = 5;

    /// <summary>Audio needed before whole-stream features (clipping, DC, dead input) give a verdict.</summary>
    [Range(1, 3600)]
    public double MinSeconds { get; set; } = 10;

    /// <summary>Loss of signal-to-noise ratio (dB) beyond which spectral-shape features cannot be judged.</summary>
    [Range(1, 60)]
    public double NoiseMaskingDb { get; set; } = 12;

    /// <summary>Change of the speech mel fingerprint's shape (level removed), dB RMS over the 32 bands, that counts as drift.</summary>
    [Range(0.1, 40)]
    public double FingerprintThresholdDb { get; set; } = 4;

    /// <summary>Shift of a keyword head's score distribution (Wasserstein, score units) that counts as prediction drift.</summary>
    [Range(0.001, 1)]
    public double KeywordScoreMinEffect { get; set; } = 0.05;

    /// <summary>Shift of the speech segment durations (Wasserstein, seconds) that counts as prediction drift.</summary>
    [Range(0.01, 60)]
    public double SegmentMinEffectSeconds { get; set; } = 0.75;

    /// <summary>Speech segments needed before segment durations give a verdict.</summary>
    [Range(1, 100_000)]
    public int MinSegments { get; set; } = 10;
}
