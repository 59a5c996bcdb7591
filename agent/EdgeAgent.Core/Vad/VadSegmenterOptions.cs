using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Core.Vad;

/// <summary>Hysteresis that turns per-frame speech probabilities into speech segments.</summary>
public sealed class VadSegmenterOptions
{
    /// <summary>A frame at or above this probability starts (or continues) speech.</summary>
    [Range(0.01, 0.99)]
    public float OnsetThreshold { get; set; } = 0.5f;

    /// <summary>Speech ends after frames below this probability for <see cref="MinSilenceMs"/>.</summary>
    [Range(0.01, 0.99)]
    public float OffsetThreshold { get; set; } = 0.35f;

    /// <summary>Shorter bursts are not reported as speech.</summary>
    [Range(0, 10_000)]
    public int MinSpeechMs { get; set; } = 250;

    /// <summary>Pauses shorter than this do not split a segment.</summary>
    [Range(0, 10_000)]
    public int MinSilenceMs { get; set; } = 300;

    /// <summary>Added before and after each segment.</summary>
    [Range(0, 2_000)]
    public int PadMs { get; set; } = 30;

    public void Validate()
    {
        if (OffsetThreshold > OnsetThreshold)
        {
            throw new ArgumentException($"VAD offset threshold {OffsetThreshold} must not exceed the onset threshold {OnsetThreshold}.");
        }
    }
}
