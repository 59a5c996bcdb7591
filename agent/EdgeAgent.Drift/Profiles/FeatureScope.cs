namespace EdgeAgent.Drift.Profiles;

/// <summary>Which frames a feature accumulates over.</summary>
public enum FeatureScope
{
    /// <summary>Frames the VAD calls speech (speech level).</summary>
    Speech,

    /// <summary>Speech frames well above the running noise floor (spectral shape: tilt, bandwidth, fingerprint), so that noise does not pass for a new microphone.</summary>
    CleanSpeech,

    /// <summary>Frames without speech and not digitally silent (noise floor, hum).</summary>
    NonSpeech,

    /// <summary>Frames that carry a signal, speech or not (clipping, DC offset, VAD output).</summary>
    Signal,

    /// <summary>Every frame (dead input).</summary>
    All,
}
