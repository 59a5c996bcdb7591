namespace EdgeAgent.Drift.Features;

/// <summary>
/// In-place radix-2 complex FFT of one fixed power-of-two size, with twiddles and bit reversal computed once,
/// so that transforming a frame allocates nothing.
/// </summary>
internal sealed class Fft
{
    private readonly int _size;
    private readonly float[] _cos;
    private readonly float[] _sin;
    private readonly int[] _reversed;

    public Fft(int size)
    {
        if (size < 2 || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "FFT size must be a power of two.");
        }

        _size = size;
        _cos = new float[size / 2];
        _sin = new float[size / 2];
        for (int k = 0; k < size / 2; k++)
        {
            _cos[k] = (float)Math.Cos(-2 * Math.PI * k / size);
            _sin[k] = (float)Math.Sin(-2 * Math.PI * k / size);
        }

        int bits = int.Log2(size);
        _reversed = new int[size];
        for (int i = 0; i < size; i++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++)
            {
                r |= ((i >> b) & 1) << (bits - 1 - b);
            }

            _reversed[i] = r;
        }
    }

    public int Size => _size;

    /// <summary>Transforms (<paramref name="re"/>, <paramref name="im"/>) in place (forward, unscaled).</summary>
    public void Forward(Span<float> re, Span<float> im)
    {
        if (re.Length != _size || im.Length != _size)
        {
            throw new ArgumentException($"FFT of size {_size} needs spans of that length.");
        }

        for (int i = 0; i < _size; i++)
        {
            int j = _reversed[i];
            if (j > i)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        for (int half = 1; half < _size; half <<= 1)
        {
            int step = _size / (2 * half);
            for (int start = 0; start < _size; start += 2 * half)
            {
                for (int k = 0; k < half; k++)
                {
                    float wr = _cos[k * step], wi = _sin[k * step];
                    int a = start + k, b = a + half;
                    float tr = re[b] * wr - im[b] * wi;
                    float ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
    }
}
