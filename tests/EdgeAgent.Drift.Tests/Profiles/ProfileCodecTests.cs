using EdgeAgent.Drift.Features;
using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Tests.Profiles;

public sealed class ProfileCodecTests(ITestOutputHelper output)
{
    [Fact]
    public void Encode_RoundTrip_GivesTheSameProfile()
    {
        SignalProfile profile = SyntheticDevice.Hour(seed: 3, minutes: 3);

        SignalProfile back = ProfileCodec.Decode(ProfileCodec.Encode(profile));

        AssertSame(profile, back);
    }

    [Fact]
    public void Decode_IntoAProfileUsedBefore_GivesWhatAFreshDecodeGives()
    {
        // The one before holds more keywords, dead frames and a spread: none of it may leak into the next.
        SignalProfile busy = SyntheticDevice.Hour(seed: 8, minutes: 5);
        busy.Predictions.AddDetection("a_keyword_only_the_first_has");
        busy.Spread = [new FeatureSpread("speech_level", 8, 0.832, 0.228)];
        SignalProfile quiet = SyntheticDevice.Hour(seed: 9, minutes: 1);
        byte[] quietEncoded = ProfileCodec.Encode(quiet);
        var scratch = new SignalProfile();

        ProfileCodec.Decode(ProfileCodec.Encode(busy), scratch);
        AssertSame(busy, scratch);
        Assert.Throws<FormatException>(() => ProfileCodec.Decode(quietEncoded[..^4], scratch)); // a failed decode in between
        ProfileCodec.Decode(quietEncoded, scratch);

        AssertSame(ProfileCodec.Decode(quietEncoded), scratch);
        Assert.DoesNotContain("a_keyword_only_the_first_has", scratch.Predictions.Keywords.Keys);
        Assert.Empty(scratch.Spread);
        Assert.Equal(quietEncoded, ProfileCodec.Encode(scratch));
    }

    [Fact]
    public void Encode_AnHourOfADevice_FitsInEightKilobytes()
    {
        // An hour of a kiosk: speech at a wandering level, a room whose noise changes, some clipping, three keyword
        // heads scoring every gated chunk, segments and latencies — sixty one-minute windows merged.
        SignalProfile hour = SyntheticDevice.Hour(seed: 11, minutes: 60);

        byte[] encoded = ProfileCodec.Encode(hour);
        output.WriteLine($"one hour ({hour.DurationSeconds:F0} s, {hour.SpeechSeconds:F0} s speech): {encoded.Length} bytes encoded");

        Assert.InRange(hour.DurationSeconds, 3500, 3700);
        Assert.True(encoded.Length <= 8 * 1024, $"an hour encodes to {encoded.Length} bytes, more than 8 KB");
        AssertSame(hour, ProfileCodec.Decode(encoded));
    }

    [Fact]
    public void Encode_RoundTrip_KeepsSumsBeyondSixtyThreeBits()
    {
        // Mel moments at the clamp (±1e9 units, quantised ±1e12): each square is 1e24, far past a ulong, so the decoder's
        // 63-bit fast path must hand over to 128 bits; min, max and sums of both signs go through it too.
        var profile = new SignalProfile();
        var mel = new float[FrameFeatureExtractor.MelBands];
        var features = new FrameFeatures();
        for (int i = 0; i < 40; i++)
        {
            for (int b = 0; b < mel.Length; b++)
            {
                mel[b] = b % 2 == 0 ? 2e9f : -(float)Math.Pow(2, 20 + b) - i;
            }

            profile.Add(features, vadProbability: 0.9f, mel);
        }

        Assert.True(profile.MelBands[0].Raw.SumSquares > ulong.MaxValue, "the test needs a sum of squares past 64 bits");

        SignalProfile back = ProfileCodec.Decode(ProfileCodec.Encode(profile));

        AssertSame(profile, back);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "no 'EP' header")]
    [InlineData(new byte[] { (byte)'E', (byte)'P', 9, 0 }, "version 9")]
    [InlineData(new byte[] { (byte)'E', (byte)'P', 1, 10, 1, 2, 3 }, "corrupt")]
    [InlineData(new byte[] { (byte)'E', (byte)'P', 1, 0xFF, 0xFF, 0xFF, 0x7F }, "more than")]
    public void Decode_BadBytes_SaysWhy(byte[] bytes, string problem)
    {
        var ex = Assert.Throws<FormatException>(() => ProfileCodec.Decode(bytes));

        Assert.Contains(problem, ex.Message);
    }

    [Fact]
    public void Decode_TruncatedBody_IsAFormatError()
    {
        byte[] encoded = ProfileCodec.Encode(SyntheticDevice.Hour(seed: 4, minutes: 1));

        Assert.Throws<FormatException>(() => ProfileCodec.Decode(encoded.AsSpan(0, encoded.Length / 2)));
    }

    internal static void AssertSame(SignalProfile expected, SignalProfile actual)
    {
        Assert.Equal(expected.Frames, actual.Frames);
        Assert.Equal(expected.SpeechFrames, actual.SpeechFrames);
        Assert.Equal(expected.CleanSpeechFrames, actual.CleanSpeechFrames);
        Assert.Equal(expected.NonSpeechFrames, actual.NonSpeechFrames);
        for (int i = 0; i < expected.Histograms.Count; i++)
        {
            Assert.Equal(expected.Histograms[i], actual.Histograms[i]);
            Assert.Equal(expected.Moments[i], actual.Moments[i]);
        }

        Assert.Equal(expected.MelBands, actual.MelBands);
        PredictionProfileTests.AssertSame(expected.Predictions, actual.Predictions);
    }
}

/// <summary>Synthetic device audio: half-second bursts of "speech" and room tone with slowly wandering gain and noise.</summary>
internal static class SyntheticDevice
{
    private static readonly string[] s_keywords = ["hey_jarvis", "alexa", "timer"];

    /// <summary>Minutes of a device merged; <paramref name="gainDb"/> fixes the speech gain instead of letting it wander.</summary>
    public static SignalProfile Hour(int seed, int minutes, double? gainDb = null)
    {
        var rng = new Random(seed);
        float[][] voiced = Enumerable.Range(0, 32).Select(k => Frame(rng, tone: 0.6, pitch: 90 + 9 * k)).ToArray();
        float[][] room = Enumerable.Range(0, 8).Select(_ => Frame(rng, tone: 0, pitch: 0)).ToArray();
        var hour = new SignalProfile();
        var frame = new float[FrameFeatureExtractor.FrameSamples];
        var scores = new float[s_keywords.Length];
        double gain = gainDb ?? 0, noiseDb = -60;
        int framesPerMinute = (int)Math.Round(60 / SignalProfile.FrameSeconds);
        for (int m = 0; m < minutes; m++)
        {
            var profiler = new SignalProfiler();
            gain = gainDb ?? Math.Clamp(gain + rng.NextDouble() * 4 - 2, -12, 6);
            noiseDb = Math.Clamp(noiseDb + rng.NextDouble() * 6 - 3, -75, -40);
            for (int i = 0; i < framesPerMinute; i++)
            {
                bool speech = (i / 16 + m) % 3 != 0;
                float[] source = speech ? voiced[rng.Next(voiced.Length)] : room[rng.Next(room.Length)];
                var amplitude = (float)(speech ? 0.1 * Math.Pow(10, (gain + rng.NextDouble() * 12 - 6) / 20) : Math.Pow(10, noiseDb / 20));
                for (int j = 0; j < frame.Length; j++)
                {
                    frame[j] = Math.Clamp(amplitude * source[j], -1f, 1f);
                }

                profiler.Push(frame, speech ? 0.6f + 0.4f * (float)rng.NextDouble() : 0.3f * (float)rng.NextDouble(), 0.3 + rng.NextDouble() * 0.4);
                if (speech && i % 5 == 0)
                {
                    for (int k = 0; k < scores.Length; k++)
                    {
                        scores[k] = (float)Math.Pow(rng.NextDouble(), 6);
                    }

                    profiler.Predictions.AddChunk(scores, s_keywords, 2 + rng.NextDouble() * 6);
                }

                if (speech && i % 16 == 15)
                {
                    profiler.Predictions.AddSegment(0.4 + rng.NextDouble() * 4);
                }
            }

            profiler.Predictions.AddDetection(s_keywords[rng.Next(s_keywords.Length)]);
            hour.MergeFrom(profiler.Profile);
        }

        return hour;
    }

    private static float[] Frame(Random rng, double tone, double pitch)
    {
        var frame = new float[FrameFeatureExtractor.FrameSamples];
        for (int j = 0; j < frame.Length; j++)
        {
            frame[j] = (float)(tone * Math.Sin(2 * Math.PI * pitch * j / 16_000) + (1 - tone) * (rng.NextDouble() * 2 - 1));
        }

        return frame;
    }
}
