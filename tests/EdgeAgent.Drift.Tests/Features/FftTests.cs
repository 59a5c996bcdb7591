using EdgeAgent.Drift.Features;

namespace EdgeAgent.Drift.Tests.Features;

public sealed class FftTests
{
    [Fact]
    public void Forward_RandomSignal_MatchesTheDirectDft()
    {
        const int n = 64;
        var rng = new Random(7);
        float[] re = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] im = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] re0 = (float[])re.Clone(), im0 = (float[])im.Clone();

        new Fft(n).Forward(re, im);

        for (int k = 0; k < n; k++)
        {
            double sr = 0, si = 0;
            for (int t = 0; t < n; t++)
            {
                double a = -2 * Math.PI * k * t / n;
                sr += re0[t] * Math.Cos(a) - im0[t] * Math.Sin(a);
                si += re0[t] * Math.Sin(a) + im0[t] * Math.Cos(a);
            }

            Assert.Equal(sr, re[k], 3);
            Assert.Equal(si, im[k], 3);
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(512)]
    public void RealForward_RandomSignal_MatchesTheComplexFft(int n)
    {
        var rng = new Random(n);
        float[] signal = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] re = (float[])signal.Clone(), im = new float[n];
        new Fft(n).Forward(re, im);
        float[] realRe = new float[n / 2 + 1], realIm = new float[n / 2 + 1];

        new RealFft(n).Forward(signal, realRe, realIm);

        for (int k = 0; k <= n / 2; k++)
        {
            Assert.Equal(re[k], realRe[k], 1e-4f);
            Assert.Equal(im[k], realIm[k], 1e-4f);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(100)]
    public void Constructor_NotAPowerOfTwo_Throws(int size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Fft(size));
    }
}
