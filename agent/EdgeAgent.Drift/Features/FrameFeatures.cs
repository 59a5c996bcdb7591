namespace EdgeAgent.Drift.Features;

/// <summary>
/// Signal features of one 32 ms frame, in physical units. The 32 log-mel band energies (the microphone's
/// fingerprint) are written to a separate span by <see cref="FrameFeatureExtractor"/>.
/// </summary>
public struct FrameFeatures
{
    /// <summary>RMS level of the band above 218 Hz (without DC and mains hum), dBFS.</summary>
    public float LevelDb;

    /// <summary>Level after the noise spectrum was subtracted (the speech's own level), dBFS.</summary>
    public float CleanLevelDb;

    /// <summary>Largest absolute sample, dBFS.</summary>
    public float PeakDb;

    /// <summary>Fraction of clipped samples: at or beyond ±0.999 of full scale, or on flat tops of 3+ identical samples.</summary>
    public float ClippedFraction;

    /// <summary>Longest run of consecutive clipped samples.</summary>
    public int LongestClipRun;

    /// <summary>Mean of the samples (full scale = 1).</summary>
    public float DcOffset;

    /// <summary>Sign changes per sample.</summary>
    public float ZeroCrossingRate;

    public float CentroidHz;

    /// <summary>Frequency below which 85% of the power lies.</summary>
    public float RolloffHz;

    /// <summary>Spectral flatness (geometric over arithmetic mean of the power spectrum), 0..1.</summary>
    public float Flatness;

    /// <summary>Slope of the power spectrum over 218 Hz – 7 kHz, dB per octave.</summary>
    public float TiltDbPerOctave;

    /// <summary>Share of the power above 4 kHz, dB (0 = all of it).</summary>
    public float Above4kDb;

    /// <summary>Share of the power above 7 kHz, dB.</summary>
    public float Above7kDb;

    /// <summary>Power below 218 Hz (mains hum at 50/60 Hz and its first harmonics) relative to the power above, dB.</summary>
    public float LowBandDb;

    /// <summary>True when every sample is exactly zero (a dead input or a dropout).</summary>
    public bool DigitalSilence;

    /// <summary>True when every sample has the same non-zero value (a stuck converter or a dead input held at an offset).</summary>
    public bool Stuck;

    /// <summary>
    /// True when the frame holds only converter noise: every sample within ±2 LSB of 16-bit and a white spectrum (a dead
    /// capsule behind a live ADC, about ±1 LSB of dither).
    /// </summary>
    public bool ConverterNoise;
}
