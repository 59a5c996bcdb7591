using EdgeAgent.Drift.Features;

namespace EdgeAgent.Drift.Profiles;

/// <summary>The features every profile holds, in a fixed order (the order is part of the encoding).</summary>
public static class FeatureCatalog
{
    public static IReadOnlyList<ProfileFeature> Features { get; } =
    [
        new("speech_level", DriftFamily.Level, FeatureScope.Speech, "dBFS", -100, 0.5, 200, 3),
        new("noise_floor", DriftFamily.Noise, FeatureScope.NonSpeech, "dBFS", -120, 0.5, 240, 6),
        new("spectral_tilt", DriftFamily.Bandwidth, FeatureScope.CleanSpeech, "dB/oct", -40, 0.25, 200, 2),
        new("energy_above_4k", DriftFamily.Bandwidth, FeatureScope.CleanSpeech, "dB", -90, 0.5, 180, 8),
        new("energy_above_7k", DriftFamily.Bandwidth, FeatureScope.CleanSpeech, "dB", -110, 0.5, 220, 10),
        new("rolloff", DriftFamily.Bandwidth, FeatureScope.CleanSpeech, "Hz", 0, 62.5, 130, 600),
        new("clipped_fraction", DriftFamily.Clipping, FeatureScope.Signal, "ratio", 0, 0.002, 250, 0.002, UpOnly: true, ShapeTest: false),
        new("dc_offset", DriftFamily.DcOffset, FeatureScope.Signal, "FS", 0, 0.0025, 200, 0.01, UpOnly: true),
        new("hum_ratio", DriftFamily.Hum, FeatureScope.NonSpeech, "dB", -80, 0.5, 200, 6, UpOnly: true),
        new("digital_silence", DriftFamily.DeadInput, FeatureScope.All, "ratio", 0, 0.5, 2, 0.025, UpOnly: true, ShapeTest: false),
        new("vad_probability", DriftFamily.Prediction, FeatureScope.Signal, "p", 0, 0.05, 20, 0.1),
    ];

    /// <summary>The position of the named feature in the catalogue.</summary>
    public static int IndexOf(string name)
    {
        for (int i = 0; i < Features.Count; i++)
        {
            if (Features[i].Name == name)
            {
                return i;
            }
        }

        throw new ArgumentException($"no profile feature '{name}'", nameof(name));
    }

    /// <summary>The value of feature <paramref name="index"/> for one frame.</summary>
    public static double Value(int index, in FrameFeatures f, float vadProbability) => index switch
    {
        0 => f.CleanLevelDb,
        1 => f.LevelDb,
        2 => f.TiltDbPerOctave,
        3 => f.Above4kDb,
        4 => f.Above7kDb,
        5 => f.RolloffHz,
        6 => f.ClippedFraction,
        7 => Math.Abs(f.DcOffset),
        8 => f.LowBandDb,
        9 => f.DigitalSilence ? 1 : 0,
        10 => vadProbability,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };
}
