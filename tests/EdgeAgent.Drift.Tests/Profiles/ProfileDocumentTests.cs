using System.Text.Json;
using EdgeAgent.Drift.Features;
using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Tests.Profiles;

public sealed class ProfileDocumentTests
{
    [Fact]
    public void Encoding_RoundTrip_GivesTheSameProfile()
    {
        SignalProfile profile = Profile(seed: 1, frames: 400);

        string json = JsonSerializer.Serialize(ProfileDocument.From(profile), DriftJsonContext.Default.ProfileDocument);
        SignalProfile back = JsonSerializer.Deserialize(json, DriftJsonContext.Default.ProfileDocument)!.ToProfile();

        Assert.Equal(profile.Frames, back.Frames);
        Assert.Equal(profile.SpeechFrames, back.SpeechFrames);
        Assert.Equal(profile.CleanSpeechFrames, back.CleanSpeechFrames);
        Assert.Equal(profile.NonSpeechFrames, back.NonSpeechFrames);
        for (int i = 0; i < profile.Histograms.Count; i++)
        {
            Assert.Equal(profile.Histograms[i], back.Histograms[i]);
            Assert.Equal(profile.Moments[i], back.Moments[i]);
        }

        Assert.Equal(profile.MelBands, back.MelBands);
    }

    [Fact]
    public void MergeFrom_Profiles_EqualsProfilingEverythingAtOnce()
    {
        var whole = new SignalProfiler();
        var first = new SignalProfiler();
        var second = new SignalProfiler();
        foreach ((float[] frame, float p, int i) in Frames(seed: 2, count: 300))
        {
            whole.Push(frame, p);
            (i < 150 ? first : second).Push(frame, p);
        }

        SignalProfile merged = first.Profile;
        merged.MergeFrom(second.Profile);

        Assert.Equal(whole.Profile.Frames, merged.Frames);
        for (int i = 0; i < merged.Histograms.Count; i++)
        {
            // The noise-floor tracker restarts in the second profiler, so only features that do not depend on it are compared.
            if (FeatureCatalog.Features[i].Scope != FeatureScope.CleanSpeech && FeatureCatalog.Features[i].Name != "speech_level")
            {
                Assert.Equal(whole.Profile.Histograms[i], merged.Histograms[i]);
                Assert.Equal(whole.Profile.Moments[i], merged.Moments[i]);
            }
        }
    }

    [Theory]
    [InlineData("{\"schemaVersion\": 2, \"features\": [], \"mel\": []}", "schemaVersion 2")]
    [InlineData("{\"schemaVersion\": 1, \"features\": [], \"mel\": []}", "0 features")]
    public void ToProfile_BadDocument_SaysWhy(string json, string problem)
    {
        ProfileDocument doc = JsonSerializer.Deserialize(json, DriftJsonContext.Default.ProfileDocument)!;

        var ex = Assert.Throws<FormatException>(doc.ToProfile);

        Assert.Contains(problem, ex.Message);
    }

    private static SignalProfile Profile(int seed, int frames)
    {
        var profiler = new SignalProfiler();
        foreach ((float[] frame, float p, _) in Frames(seed, frames))
        {
            profiler.Push(frame, p);
        }

        return profiler.Profile;
    }

    private static IEnumerable<(float[] Frame, float Probability, int Index)> Frames(int seed, int count)
    {
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            bool speech = i / 10 % 2 == 0;
            float amplitude = speech ? 0.2f : 0.003f;
            var frame = new float[FrameFeatureExtractor.FrameSamples];
            for (int j = 0; j < frame.Length; j++)
            {
                frame[j] = amplitude * (float)(rng.NextDouble() * 2 - 1);
            }

            yield return (frame, speech ? 0.9f : 0.1f, i);
        }
    }
}
