using System.Numerics.Tensors;

namespace EdgeAgent.Drift.Features;

/// <summary>
/// Computes <see cref="FrameFeatures"/> and 32 log-mel band energies of 512-sample, 16 kHz frames from one shared
/// Hann-windowed real FFT. Buffers, the mel filters' non-zero weights and the tilt regression's abscissae are computed
/// once; <see cref="Extract"/> allocates nothing. One instance per thread.
/// </summary>
public sealed class FrameFeatureExtractor
{
    public const int FrameSamples = 512;
    public const int MelBands = 32;
    private const int SampleRate = 16_000;
    private const int Bins = FrameSamples / 2 + 1;
    private const float BinHz = (float)SampleRate / FrameSamples;
    private const float ClipLevel = 0.999f;
    private const float PlateauLevel = 0.05f; // flat tops of 3+ identical samples above this are clipping at a lower stage
    private const int LowBin = 7;             // 218 Hz: spectral shape and levels start here, above hum and DC
    private const double Floor = 1e-12;
    private const float Lsb16 = 1f / 32768;
    private const float ConverterNoiseSpan = 4 * Lsb16; // ±2 LSB of 16-bit: a live converter with nothing in front of it
    private const float ConverterNoiseFlatness = 0.3f;  // white: no spectral structure (white noise ≈ 0.56)

    private const float DbPerNeper = 4.3429448f; // 10 / ln 10

    private readonly RealFft _fft = new(FrameSamples);
    private readonly float[] _window = new float[FrameSamples];
    private readonly float[] _windowed = new float[FrameSamples];
    private readonly float[] _re = new float[Bins];
    private readonly float[] _im = new float[Bins];
    private readonly float[] _power = new float[Bins];
    private readonly float[] _logPower = new float[Bins]; // ln(power + floor), bins LowBin..Bins-1
    private readonly int[] _melStart = new int[MelBands];
    private readonly float[][] _melWeights;  // per band: its non-zero weights from _melStart[b]
    private readonly int _tiltFrom;
    private readonly int _tiltTo;
    private readonly float[] _tiltX;         // log2(frequency) less its mean, bins _tiltFrom.._tiltTo
    private readonly double _tiltSxx;

    public FrameFeatureExtractor()
    {
        for (int i = 0; i < FrameSamples; i++)
        {
            _window[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / FrameSamples));
        }

        float[] weights = MelFilterBank(60, 7800);
        _melWeights = new float[MelBands][];
        for (int b = 0; b < MelBands; b++)
        {
            ReadOnlySpan<float> w = weights.AsSpan(b * Bins, Bins);
            int first = w.IndexOfAnyExcept(0f), last = w.LastIndexOfAnyExcept(0f);
            _melStart[b] = Math.Max(first, 0);
            _melWeights[b] = first < 0 ? [] : w[first..(last + 1)].ToArray();
        }

        _tiltFrom = LowBin;
        _tiltTo = (int)Math.Floor(7000 / BinHz);
        double sum = 0;
        int n = _tiltTo - _tiltFrom + 1;
        for (int k = _tiltFrom; k <= _tiltTo; k++)
        {
            sum += Math.Log2(k * BinHz);
        }

        double meanX = sum / n, sxx = 0;
        _tiltX = new float[n];
        for (int k = _tiltFrom; k <= _tiltTo; k++)
        {
            double dx = Math.Log2(k * BinHz) - meanX;
            _tiltX[k - _tiltFrom] = (float)dx;
            sxx += dx * dx;
        }

        _tiltSxx = sxx;
    }

    /// <summary>The power spectrum of the last frame (bins 0..256), for a caller that tracks the noise spectrum.</summary>
    public ReadOnlySpan<float> Power => _power;

    /// <summary>
    /// Features of one frame of samples in [-1, 1]; the mel fingerprint goes to <paramref name="melDb"/> (32 values, dB).
    /// When <paramref name="noisePower"/> is given (an estimate of the noise's power spectrum), it is subtracted
    /// before the spectral shape, the clean level and the fingerprint are computed, so that they describe the speech
    /// and not the room; <see cref="FrameFeatures.LevelDb"/> stays the level of the raw signal.
    /// </summary>
    public FrameFeatures Extract(ReadOnlySpan<float> frame, Span<float> melDb, ReadOnlySpan<float> noisePower = default)
    {
        if (frame.Length != FrameSamples || melDb.Length < MelBands)
        {
            throw new ArgumentException($"Features need {FrameSamples} samples and room for {MelBands} mel bands.");
        }

        var f = default(FrameFeatures);
        double sum = 0;
        foreach (float x in frame)
        {
            sum += x;
        }

        float dc = (float)(sum / frame.Length);
        float peak = 0, centredPeak = 0, lowest = frame[0], highest = frame[0];
        bool silent = true;
        foreach (float x in frame)
        {
            peak = Math.Max(peak, Math.Abs(x));
            centredPeak = Math.Max(centredPeak, Math.Abs(x - dc));
            lowest = Math.Min(lowest, x);
            highest = Math.Max(highest, x);
            silent &= x == 0;
        }

        // Clipped: at full scale, or on a flat top (3+ identical samples near the frame's extreme) left by a stage
        // that clipped before a gain.
        float plateauLevel = Math.Max(PlateauLevel, 0.7f * centredPeak);
        int clipped = 0, run = 0, plateau = 1, crossings = 0;
        for (int i = 0; i < frame.Length; i++)
        {
            float x = frame[i];
            plateau = i > 0 && x == frame[i - 1] ? plateau + 1 : 1;
            bool isClipped = Math.Abs(x) >= ClipLevel || (Math.Abs(x - dc) >= plateauLevel && plateau >= 3);
            if (isClipped)
            {
                int add = Math.Abs(x) >= ClipLevel || plateau > 3 ? 1 : 3; // a plateau counts from its first sample
                clipped += add;
                run += add;
                f.LongestClipRun = Math.Max(f.LongestClipRun, run);
            }
            else
            {
                run = 0;
            }

            if (i > 0 && (x >= 0) != (frame[i - 1] >= 0))
            {
                crossings++;
            }
        }

        double mean = sum / frame.Length;
        f.DigitalSilence = silent;
        f.Stuck = !silent && lowest == highest;
        f.DcOffset = (float)mean;
        f.PeakDb = (float)(20 * Math.Log10(peak + 1e-6));
        f.ClippedFraction = Math.Min(1f, (float)clipped / frame.Length);
        f.ZeroCrossingRate = (float)crossings / (frame.Length - 1);

        for (int i = 0; i < FrameSamples; i++)
        {
            _windowed[i] = (float)(frame[i] - mean) * _window[i];
        }

        _fft.Forward(_windowed, _re, _im);
        double total = 0, weighted = 0, low = 0;
        for (int k = 1; k < Bins; k++)
        {
            _power[k] = _re[k] * _re[k] + _im[k] * _im[k];
            if (k < LowBin)
            {
                low += _power[k];
                continue;
            }

            total += _power[k];
            weighted += _power[k] * k * BinHz;
        }

        // Level of the band above the hum region (Hann power gain 3/8, one-sided spectrum): DC and mains hum
        // have families of their own and must not move the speech level or the noise floor.
        f.LevelDb = ToDbfs(total);
        f.LowBandDb = (float)(10 * Math.Log10((low + Floor) / (total + Floor)));
        if (!noisePower.IsEmpty)
        {
            // Spectral subtraction of the noise's mean power, floored at 5% of the frame's own power per bin.
            total = weighted = 0;
            for (int k = LowBin; k < Bins; k++)
            {
                _power[k] = Math.Max(_power[k] - noisePower[k], 0.05f * _power[k]);
                total += _power[k];
                weighted += _power[k] * k * BinHz;
            }
        }

        f.CleanLevelDb = ToDbfs(total);
        Spectral(ref f, total, weighted);
        f.ConverterNoise = !silent && !f.Stuck && highest - lowest <= ConverterNoiseSpan && f.Flatness >= ConverterNoiseFlatness;
        for (int b = 0; b < MelBands; b++)
        {
            double e = 0;
            ReadOnlySpan<float> w = _melWeights[b];
            ReadOnlySpan<float> p = _power.AsSpan(_melStart[b], w.Length);
            for (int k = 0; k < w.Length; k++)
            {
                e += w[k] * p[k];
            }

            melDb[b] = (float)(10 * Math.Log10(e / FrameSamples + Floor));
        }

        return f;
    }

    private static float ToDbfs(double bandPower) => (float)(10 * Math.Log10(2 * bandPower / (0.375 * FrameSamples * FrameSamples) + Floor));

    private void Spectral(ref FrameFeatures f, double total, double weighted)
    {
        if (total <= Floor)
        {
            f.Flatness = 1;
            f.Above4kDb = f.Above7kDb = (float)(10 * Math.Log10(Floor));
            return;
        }

        f.CentroidHz = (float)(weighted / total);
        double cumulative = 0, above4k = 0, above7k = 0;
        f.RolloffHz = (Bins - 1) * BinHz;
        bool rolled = false;
        for (int k = LowBin; k < Bins; k++)
        {
            double p = _power[k];
            cumulative += p;
            if (!rolled && cumulative >= 0.85 * total)
            {
                f.RolloffHz = k * BinHz;
                rolled = true;
            }

            float hz = k * BinHz;
            above4k += hz >= 4000 ? p : 0;
            above7k += hz >= 7000 ? p : 0;
        }

        // One vectorised log pass serves the flatness (geometric mean) and the tilt (dB against log2 frequency).
        Span<float> logPower = _logPower.AsSpan(LowBin);
        TensorPrimitives.Add(_power.AsSpan(LowBin), (float)Floor, logPower);
        TensorPrimitives.Log(logPower, logPower);
        int n = Bins - LowBin;
        f.Flatness = (float)(Math.Exp(TensorPrimitives.Sum(logPower) / n) / (total / n));
        f.Above4kDb = (float)(10 * Math.Log10(above4k / total + Floor));
        f.Above7kDb = (float)(10 * Math.Log10(above7k / total + Floor));

        // Least-squares slope of dB against log2(frequency), dB per octave; the abscissae sum to zero, so the mean
        // of the dB values drops out.
        ReadOnlySpan<float> tilt = _logPower.AsSpan(_tiltFrom, _tiltTo - _tiltFrom + 1);
        f.TiltDbPerOctave = (float)(DbPerNeper * TensorPrimitives.Dot(_tiltX, tilt) / _tiltSxx);
    }

    private static float[] MelFilterBank(double lowHz, double highHz)
    {
        static double ToMel(double hz) => 2595 * Math.Log10(1 + hz / 700);
        static double ToHz(double mel) => 700 * (Math.Pow(10, mel / 2595) - 1);

        var weights = new float[MelBands * Bins];
        double low = ToMel(lowHz), high = ToMel(highHz);
        var edges = new double[MelBands + 2];
        for (int i = 0; i < edges.Length; i++)
        {
            edges[i] = ToHz(low + (high - low) * i / (MelBands + 1));
        }

        for (int b = 0; b < MelBands; b++)
        {
            for (int k = 1; k < Bins; k++)
            {
                double hz = k * BinHz;
                double w = hz < edges[b] || hz > edges[b + 2] ? 0
                    : hz <= edges[b + 1] ? (hz - edges[b]) / (edges[b + 1] - edges[b])
                    : (edges[b + 2] - hz) / (edges[b + 2] - edges[b + 1]);
                weights[b * Bins + k] = (float)w;
            }
        }

        return weights;
    }
}
