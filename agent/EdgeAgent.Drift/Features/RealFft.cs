namespace EdgeAgent.Drift.Features;

/// <summary>
/// FFT of a real signal of a power-of-two size N through one complex FFT of N/2: the even samples as the real part,
/// the odd ones as the imaginary part, then split (X[k] = E[k] + e^(-2πik/N)·O[k]). Half the work of a complex
/// transform of the real signal; buffers and twiddles allocated once.
/// </summary>
internal sealed class RealFft
{
    private readonly Fft _half;
    private readonly float[] _zr;
    private readonly float[] _zi;
    private readonly float[] _cos;
    private readonly float[] _sin;

    public RealFft(int size)
    {
        if (size < 4 || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "real FFT size must be a power of two, at least 4.");
        }

        Size = size;
        _half = new Fft(size / 2);
        _zr = new float[size / 2];
        _zi = new float[size / 2];
        _cos = new float[size / 2 + 1];
        _sin = new float[size / 2 + 1];
        for (int k = 0; k <= size / 2; k++)
        {
            _cos[k] = (float)Math.Cos(-2 * Math.PI * k / size);
            _sin[k] = (float)Math.Sin(-2 * Math.PI * k / size);
        }
    }

    public int Size { get; }

    /// <summary>Bins 0..N/2 of the forward (unscaled) transform of <paramref name="signal"/>.</summary>
    public void Forward(ReadOnlySpan<float> signal, Span<float> re, Span<float> im)
    {
        int m = Size / 2;
        if (signal.Length != Size || re.Length < m + 1 || im.Length < m + 1)
        {
            throw new ArgumentException($"a real FFT of size {Size} needs {Size} samples and room for {m + 1} bins.");
        }

        for (int n = 0; n < m; n++)
        {
            _zr[n] = signal[2 * n];
            _zi[n] = signal[2 * n + 1];
        }

        _half.Forward(_zr, _zi);
        for (int k = 0; k <= m; k++)
        {
            int a = k % m, b = (m - k) % m;
            float er = 0.5f * (_zr[a] + _zr[b]), ei = 0.5f * (_zi[a] - _zi[b]);
            float odr = 0.5f * (_zi[a] + _zi[b]), odi = -0.5f * (_zr[a] - _zr[b]);
            float c = _cos[k], s = _sin[k];
            re[k] = er + c * odr - s * odi;
            im[k] = ei + c * odi + s * odr;
        }
    }
}
