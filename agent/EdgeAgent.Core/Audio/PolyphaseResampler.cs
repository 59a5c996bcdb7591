using System.Numerics.Tensors;

namespace EdgeAgent.Core.Audio;

/// <summary>
/// Streaming rational-ratio resampler for one channel: a Kaiser-windowed sinc low-pass split into L polyphase
/// branches. The pass band reaches 0.44 × the lower rate, the stop band starts at its Nyquist frequency with
/// about 90 dB attenuation, and the filter's group delay is compensated so that output sample n lines up with
/// input time n·in/out.
/// </summary>
public sealed class PolyphaseResampler
{
    private const double StopbandDb = 90;
    private const double PassEdge = 0.44;  // of the lower rate
    private const double StopEdge = 0.50;

    private readonly int _up;      // L
    private readonly int _down;    // M
    private readonly int _taps;    // taps per phase
    private readonly float[] _bank; // L phases × taps, each phase reversed so a Dot against history works
    private readonly long _delay;  // group delay in the up-sampled domain
    private float[] _history;      // input samples, oldest first
    private int _historyCount;     // valid samples in _history
    private long _historyStart;    // absolute input index of _history[0]
    private long _inputCount;
    private long _outputCount;

    public PolyphaseResampler(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputRate, 1);
        InputRate = inputRate;
        OutputRate = outputRate;
        int g = Gcd(inputRate, outputRate);
        _up = outputRate / g;
        _down = inputRate / g;

        if (_up == 1 && _down == 1)
        {
            _taps = 1;
            _bank = [1f];
            _history = new float[1024];
            return;
        }

        double lower = Math.Min(inputRate, outputRate);
        double upRate = (double)inputRate * _up;
        double transition = (StopEdge - PassEdge) * lower / upRate;   // cycles per up-sampled sample
        double cutoff = (StopEdge + PassEdge) / 2 * lower / upRate;
        int length = (int)Math.Ceiling((StopbandDb - 8) / (2.285 * 2 * Math.PI * transition)) + 1;
        _taps = (length + _up - 1) / _up;
        length = _taps * _up;
        double beta = 0.1102 * (StopbandDb - 8.7);

        var prototype = new double[length];
        double centre = (length - 1) / 2.0;
        double i0Beta = BesselI0(beta);
        for (int n = 0; n < length; n++)
        {
            double t = n - centre;
            double sinc = t == 0 ? 2 * cutoff : Math.Sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
            double r = t / centre;
            double window = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - r * r))) / i0Beta;
            prototype[n] = sinc * window * _up; // gain L restores the level lost to zero-stuffing
        }

        // Phase p holds prototype[p + k·L] for k = 0..taps-1, stored reversed (k = taps-1 first).
        _bank = new float[length];
        for (int p = 0; p < _up; p++)
        {
            for (int k = 0; k < _taps; k++)
            {
                _bank[p * _taps + (_taps - 1 - k)] = (float)prototype[p + k * _up];
            }
        }

        _delay = (long)Math.Round(centre);
        _history = new float[Math.Max(4096, 4 * _taps)];
    }

    public int InputRate { get; }

    public int OutputRate { get; }

    /// <summary>An upper bound of the output produced by <see cref="Process"/> for <paramref name="inputLength"/> samples.</summary>
    public int MaxOutput(int inputLength) => (int)((long)(inputLength + _taps) * _up / _down) + 2;

    /// <summary>A buffer of this length always holds what <see cref="Flush"/> writes.</summary>
    public int FlushLength => MaxOutput(2 * _taps + (int)(_delay / _up));

    /// <summary>Consumes <paramref name="input"/> and writes every output sample it makes possible; returns their count.</summary>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        Append(input);
        _inputCount += input.Length;
        return Emit(output, _inputCount);
    }

    /// <summary>Ends the stream: emits the remaining outputs so that in total ceil(inputs·out/in) samples were produced.</summary>
    public int Flush(Span<float> output)
    {
        long total = (_inputCount * _up + _down - 1) / _down;
        int written = 0;
        Span<float> zeros = stackalloc float[256];
        zeros.Clear();
        while (_outputCount < total && written < output.Length)
        {
            Append(zeros);
            long fakeInputs = _historyStart + _historyCount;
            int n = Emit(output[written..], fakeInputs, total);
            written += n;
            if (n == 0 && fakeInputs > _inputCount + 4L * _taps)
            {
                break;
            }
        }

        return written;
    }

    /// <summary>Clears all state, as if newly constructed.</summary>
    public void Reset()
    {
        _historyCount = 0;
        _historyStart = 0;
        _inputCount = 0;
        _outputCount = 0;
    }

    private int Emit(Span<float> output, long available, long limit = long.MaxValue)
    {
        int written = 0;
        ReadOnlySpan<float> bank = _bank;
        while (written < output.Length && _outputCount < limit)
        {
            long position = _outputCount * _down + _delay; // up-sampled time of this output
            long newest = position / _up;                   // newest input index that contributes
            int phase = (int)(position % _up);
            if (newest >= available)
            {
                break;
            }

            long oldest = newest - _taps + 1;
            ReadOnlySpan<float> taps = bank.Slice(phase * _taps, _taps);
            float acc;
            if (oldest >= _historyStart)
            {
                acc = TensorPrimitives.Dot(taps, _history.AsSpan((int)(oldest - _historyStart), _taps));
            }
            else
            {
                // Start of the stream: inputs before index 0 are silence.
                int skip = (int)(_historyStart - oldest);
                acc = skip >= _taps ? 0 : TensorPrimitives.Dot(taps[skip..], _history.AsSpan(0, _taps - skip));
            }

            output[written++] = acc;
            _outputCount++;
        }

        // Keep only what later outputs can still need.
        long nextNewest = (_outputCount * _down + _delay) / _up;
        long keepFrom = Math.Max(_historyStart, nextNewest - _taps + 1);
        int drop = (int)Math.Min(keepFrom - _historyStart, _historyCount);
        if (drop > 0)
        {
            _history.AsSpan(drop, _historyCount - drop).CopyTo(_history);
            _historyCount -= drop;
            _historyStart += drop;
        }

        return written;
    }

    private void Append(ReadOnlySpan<float> input)
    {
        if (_historyCount + input.Length > _history.Length)
        {
            Array.Resize(ref _history, Math.Max(_history.Length * 2, _historyCount + input.Length));
        }

        input.CopyTo(_history.AsSpan(_historyCount));
        _historyCount += input.Length;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private static double BesselI0(double x)
    {
        double sum = 1, term = 1, half = x / 2;
        for (int k = 1; k < 64; k++)
        {
            term *= half / k * (half / k);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }
}
