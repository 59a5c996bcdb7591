using EdgeAgent.Core.Audio;

namespace EdgeAgent.Core.Tests.Audio;

public sealed class PolyphaseResamplerTests
{
    [Fact]
    public void Process_1kHzTone48kTo16k_KeepsFrequencyAndLevel()
    {
        float[] output = Resample(Tone(48_000, 1000, 2.0), 48_000, 16_000);

        Assert.Equal(32_000, output.Length);
        ReadOnlySpan<float> steady = output.AsSpan(4000, 16_000);
        Assert.InRange(ZeroCrossingFrequency(steady, 16_000), 995, 1005);
        Assert.InRange(Rms(steady), 0.5 / Math.Sqrt(2) * 0.98, 0.5 / Math.Sqrt(2) * 1.02);
    }

    [Fact]
    public void Process_12kHzTone48kTo16k_SuppressedBy60dB()
    {
        float[] output = Resample(Tone(48_000, 12_000, 2.0), 48_000, 16_000);

        double attenuationDb = 20 * Math.Log10(Rms(output.AsSpan(4000, 16_000)) / (0.5 / Math.Sqrt(2)));
        Assert.True(attenuationDb <= -60, $"12 kHz attenuated by only {-attenuationDb:F1} dB");
    }

    [Theory]
    [InlineData(44_100)]
    [InlineData(22_050)]
    [InlineData(8_000)]
    [InlineData(11_025)]
    [InlineData(96_000)]
    public void Process_CommonRates_ToneSurvivesAndLengthMatches(int rate)
    {
        float[] input = Tone(rate, 440, 1.5);
        float[] output = Resample(input, rate, 16_000, chunk: 333);

        Assert.Equal((int)Math.Ceiling(input.Length * 16_000.0 / rate), output.Length);
        Assert.InRange(ZeroCrossingFrequency(output.AsSpan(4000, 16_000), 16_000), 437, 443);
    }

    [Fact]
    public void Process_AnyChunking_GivesTheSameOutput()
    {
        float[] input = Tone(44_100, 1234, 0.5);

        float[] whole = Resample(input, 44_100, 16_000, chunk: input.Length);
        float[] pieces = Resample(input, 44_100, 16_000, chunk: 17);

        Assert.Equal(whole, pieces);
    }

    [Fact]
    public void Process_Impulse_IsNotDelayed()
    {
        var input = new float[4800];
        input[2400] = 1; // 50 ms
        float[] output = Resample(input, 48_000, 16_000);

        int peak = Array.IndexOf(output, output.Max());
        Assert.Equal(800, peak);
    }

    private static float[] Resample(float[] input, int from, int to, int chunk = 1000)
    {
        var resampler = new PolyphaseResampler(from, to);
        var result = new List<float>();
        var buffer = new float[Math.Max(resampler.MaxOutput(chunk), resampler.FlushLength)];
        for (int i = 0; i < input.Length; i += chunk)
        {
            int n = resampler.Process(input.AsSpan(i, Math.Min(chunk, input.Length - i)), buffer);
            result.AddRange(buffer.AsSpan(0, n));
        }

        int f = resampler.Flush(buffer);
        result.AddRange(buffer.AsSpan(0, f));
        return [.. result];
    }

    private static float[] Tone(int rate, double hz, double seconds)
    {
        var x = new float[(int)(rate * seconds)];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(0.5 * Math.Sin(2 * Math.PI * hz * i / rate));
        }

        return x;
    }

    private static double Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x)
        {
            sum += v * v;
        }

        return Math.Sqrt(sum / x.Length);
    }

    /// <summary>The frequency of a pure tone, from its upward zero crossings.</summary>
    private static double ZeroCrossingFrequency(ReadOnlySpan<float> x, int rate)
    {
        int crossings = 0;
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i - 1] < 0 && x[i] >= 0)
            {
                crossings++;
            }
        }

        return crossings * (double)rate / x.Length;
    }
}
