namespace EdgeAgent.Core.Audio;

/// <summary>
/// Turns any <see cref="IAudioSource"/> into the pipeline's format: downmixed to mono and resampled to 16 kHz.
/// Allocates its buffers once; <see cref="Read"/> is allocation-free.
/// </summary>
public sealed class PipelineAudioReader
{
    private const int BlockFrames = 1024;

    private readonly IAudioSource _source;
    private float[] _interleaved = [];
    private float[] _mono = [];
    private float[] _resampled = [];
    private PolyphaseResampler? _resampler;
    private AudioFormat _format;
    private int _pending;     // resampled samples not yet handed out
    private int _pendingStart;
    private bool _ended;

    public PipelineAudioReader(IAudioSource source)
    {
        _source = source;
    }

    public IAudioSource Source => _source;

    /// <summary>True once the source ended and everything was handed out.</summary>
    public bool Ended => _ended && _pending == 0;

    /// <summary>Prepares buffers for the source's (possibly re-negotiated) format; call after every <see cref="IAudioSource.Open"/>.</summary>
    public void Reset()
    {
        _format = _source.Format;
        _interleaved = new float[BlockFrames * _format.Channels];
        _mono = new float[BlockFrames];
        _resampler = _format.SampleRate == AudioFormat.PipelineRate
            ? null
            : new PolyphaseResampler(_format.SampleRate, AudioFormat.PipelineRate);
        int capacity = _resampler is null ? BlockFrames : Math.Max(_resampler.MaxOutput(BlockFrames), _resampler.FlushLength);
        _resampled = new float[capacity];
        _pending = 0;
        _pendingStart = 0;
        _ended = false;
    }

    /// <summary>Blocks until some 16 kHz mono samples are available; returns how many were written, 0 at the end.</summary>
    public int Read(Span<float> destination)
    {
        while (_pending == 0)
        {
            if (_ended)
            {
                return 0;
            }

            Fill();
        }

        int n = Math.Min(_pending, destination.Length);
        _resampled.AsSpan(_pendingStart, n).CopyTo(destination);
        _pendingStart += n;
        _pending -= n;
        return n;
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the stream ends; returns the count.</summary>
    public int ReadFull(Span<float> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = Read(destination[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private void Fill()
    {
        int frames = _source.Read(_interleaved);
        _pendingStart = 0;
        if (frames == 0)
        {
            _ended = true;
            _pending = _resampler?.Flush(_resampled) ?? 0;
            return;
        }

        Span<float> mono = _mono.AsSpan(0, frames);
        Downmix(_interleaved.AsSpan(0, frames * _format.Channels), _format.Channels, mono);
        if (_resampler is null)
        {
            mono.CopyTo(_resampled);
            _pending = frames;
        }
        else
        {
            _pending = _resampler.Process(mono, _resampled);
        }
    }

    /// <summary>Reads a whole WAV file as 16 kHz mono samples (for tools and tests; the agent streams).</summary>
    public static float[] LoadFile(string path)
    {
        using var source = new WavFileSource(path);
        source.Open();
        var reader = new PipelineAudioReader(source);
        reader.Reset();
        var samples = new float[(long)Math.Ceiling(source.DurationSeconds * AudioFormat.PipelineRate) + 2];
        int total = reader.ReadFull(samples);
        return samples[..total];
    }

    /// <summary>Averages the channels of interleaved frames.</summary>
    public static void Downmix(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        if (channels == 1)
        {
            interleaved[..mono.Length].CopyTo(mono);
            return;
        }

        float scale = 1f / channels;
        for (int i = 0; i < mono.Length; i++)
        {
            float sum = 0;
            ReadOnlySpan<float> frame = interleaved.Slice(i * channels, channels);
            foreach (float s in frame)
            {
                sum += s;
            }

            mono[i] = sum * scale;
        }
    }
}
