using EdgeAgent.Drift.Features;

namespace EdgeAgent.Drift.Tests.Features;

public sealed class FrameFeatureExtractorTests
{
    private readonly FrameFeatureExtractor _extractor = new();
    private readonly float[] _mel = new float[FrameFeatureExtractor.MelBands];

    [Fact]
    public void Extract_FullScaleSine_LevelIsMinus3dBAndCentroidAtTheTone()
    {
        FrameFeatures f = _extractor.Extract(Sine(1000, 1.0), _mel);

        Assert.Equal(-3.01, f.LevelDb, 1);
        Assert.InRange(f.PeakDb, -0.1, 0.001);
        Assert.InRange(f.CentroidHz, 950, 1050);
        Assert.InRange(f.ZeroCrossingRate, 0.12, 0.13); // 2 × 1000 / 16000
        Assert.True(f.Flatness < 0.01, $"a tone is not flat: {f.Flatness}");
        Assert.False(f.DigitalSilence);
    }

    [Fact]
    public void Extract_GainChange_ShiftsLevelAndMelBandsByTheSameDecibels()
    {
        var loudMel = new float[FrameFeatureExtractor.MelBands];
        FrameFeatures quiet = _extractor.Extract(Noise(0.05f, seed: 1), _mel);
        FrameFeatures loud = _extractor.Extract(Noise(0.2f, seed: 1), loudMel);

        double gain = 20 * Math.Log10(4);
        Assert.Equal(gain, loud.LevelDb - quiet.LevelDb, 2);
        for (int b = 0; b < FrameFeatureExtractor.MelBands; b++)
        {
            Assert.Equal(gain, loudMel[b] - _mel[b], 1);
        }

        Assert.Equal(quiet.TiltDbPerOctave, loud.TiltDbPerOctave, 2); // a gain does not tilt the spectrum
    }

    [Fact]
    public void Extract_WhiteNoise_FlatSpectrumWithPowerAbove7k()
    {
        FrameFeatures f = _extractor.Extract(Noise(0.3f, seed: 2), _mel);

        Assert.InRange(f.TiltDbPerOctave, -1.5, 1.5);
        Assert.InRange(f.Above4kDb, -4, -2);     // half the band: about −3 dB
        Assert.InRange(f.Above7kDb, -10, -7);    // an eighth: about −9 dB
        Assert.True(f.Flatness > 0.3, $"white noise should be flat: {f.Flatness}");
    }

    [Fact]
    public void Extract_ClippedAndOffsetSignal_ReportsBoth()
    {
        float[] frame = Sine(300, 2.0).Select(x => Math.Clamp(x, -1f, 1f) + 0.1f).Select(x => Math.Min(x, 1f)).ToArray();

        FrameFeatures f = _extractor.Extract(frame, _mel);

        Assert.True(f.ClippedFraction > 0.2, $"clipped {f.ClippedFraction}");
        Assert.True(f.LongestClipRun > 5);
        Assert.InRange(f.DcOffset, 0.05, 0.2);
    }

    [Fact]
    public void Extract_Zeros_IsDigitalSilence()
    {
        FrameFeatures f = _extractor.Extract(new float[FrameFeatureExtractor.FrameSamples], _mel);

        Assert.True(f.DigitalSilence);
        Assert.True(f.LevelDb < -100);
    }

    private static float[] Sine(double hz, double amplitude) =>
        Enumerable.Range(0, FrameFeatureExtractor.FrameSamples)
            .Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / 16000)))
            .ToArray();

    private static float[] Noise(float amplitude, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, FrameFeatureExtractor.FrameSamples).Select(_ => amplitude * (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }
}
