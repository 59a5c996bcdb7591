using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.TestSupport;

/// <summary>Synthetic room audio for drift tests that need a known noise floor rather than real speech.</summary>
public static class SyntheticRoom
{
    /// <summary>
    /// <paramref name="seconds"/> of half-second bursts of loud noise as "speech" (VAD 0.9) between room tone at
    /// <paramref name="noiseDb"/> dBFS RMS (VAD 0.05), profiled.
    /// </summary>
    public static SignalProfile Profile(Random rng, double noiseDb, double seconds)
    {
        var profiler = new SignalProfiler();
        var frame = new float[512];
        int frames = (int)(seconds / SignalProfile.FrameSeconds);
        for (int i = 0; i < frames; i++)
        {
            bool speech = i / 16 % 2 == 0;
            double amplitude = speech ? 0.1 : Math.Pow(10, noiseDb / 20) * Math.Sqrt(3);
            for (int j = 0; j < frame.Length; j++)
            {
                frame[j] = (float)(amplitude * (rng.NextDouble() * 2 - 1));
            }

            profiler.Push(frame, speech ? 0.9f : 0.05f);
        }

        return profiler.Profile;
    }
}
