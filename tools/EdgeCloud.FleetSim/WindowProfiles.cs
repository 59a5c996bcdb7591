using EdgeAgent.Drift.Features;
using EdgeAgent.Drift.Profiles;

namespace EdgeCloud.FleetSim;

/// <summary>Profiles of simulated minutes: a kiosk's speech bursts with varying level and pitch over room tone, three keyword heads.</summary>
internal static class WindowProfiles
{
    /// <param name="noiseDb">The room tone's level (dBFS, about −60 for a quiet room).</param>
    public static SignalProfile Minute(int seed, double noiseDb)
    {
        var rng = new Random(seed);
        var profiler = new SignalProfiler();
        var frame = new float[FrameFeatureExtractor.FrameSamples];
        string[] keywords = ["alexa", "hey_jarvis", "timer"];
        var scores = new float[3];
        double noise = Math.Pow(10, noiseDb / 20);
        for (int i = 0; i < 1875; i++)
        {
            bool speech = i / 16 % 3 != 0;
            double amplitude = speech ? 0.1 * Math.Pow(10, (rng.NextDouble() * 12 - 6) / 20) : noise;
            double pitch = 90 + rng.Next(200);
            for (int j = 0; j < frame.Length; j++)
            {
                double tone = speech ? 0.6 * Math.Sin(2 * Math.PI * pitch * j / 16_000) + 0.4 * (rng.NextDouble() * 2 - 1) : 0;
                frame[j] = (float)((amplitude * tone) + (noise * (rng.NextDouble() * 2 - 1)));
            }

            profiler.Push(frame, speech ? 0.9f : 0.1f, 0.2 + rng.NextDouble() * 0.2);
            if (speech && i % 5 == 0)
            {
                for (int k = 0; k < 3; k++)
                {
                    scores[k] = (float)Math.Pow(rng.NextDouble(), 6);
                }

                profiler.Predictions.AddChunk(scores, keywords, 1.5 + rng.NextDouble() * 3);
            }
        }

        return profiler.Profile;
    }

    /// <summary>The merge of <paramref name="minutes"/> minute profiles taken in turn from <paramref name="pool"/>, encoded as a device sends it.</summary>
    public static byte[] Window(IReadOnlyList<SignalProfile> pool, int minutes, int offset)
    {
        var window = new SignalProfile();
        for (int m = 0; m < minutes; m++)
        {
            window.MergeFrom(pool[(offset + m) % pool.Count]);
        }

        return ProfileCodec.Encode(window);
    }
}
