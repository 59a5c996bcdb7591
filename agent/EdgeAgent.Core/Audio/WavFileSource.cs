using System.Diagnostics;

namespace EdgeAgent.Core.Audio;

/// <summary>A WAV file as a source, optionally looped and paced at real time (to stand in for a microphone).</summary>
public sealed class WavFileSource : IAudioSource
{
    private const int ReadFrames = 1024;

    private readonly string _path;
    private readonly bool _loop;
    private readonly bool _realtime;
    private WavReader? _reader;
    private long _framesDelivered;
    private long _startTimestamp;

    public WavFileSource(string path, bool loop = false, bool realtime = false)
    {
        _path = path;
        _loop = loop;
        _realtime = realtime;
    }

    public string Description => $"wav:{_path}";

    public bool IsLive => _realtime;

    public AudioFormat Format => _reader?.Format ?? throw new InvalidOperationException("The source is not open.");

    /// <summary>Length of one pass through the file (known after <see cref="Open"/>).</summary>
    public double DurationSeconds => _reader?.DurationSeconds ?? throw new InvalidOperationException("The source is not open.");

    public void Open()
    {
        _reader?.Dispose();
        _reader = WavReader.Open(_path);
        if (_reader.TotalFrames == 0 && _loop)
        {
            throw new AudioSourceException($"{_path}: no samples to loop over");
        }

        _framesDelivered = 0;
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    public int Read(Span<float> interleaved)
    {
        WavReader reader = _reader ?? throw new InvalidOperationException("The source is not open.");
        Span<float> block = interleaved[..Math.Min(interleaved.Length, ReadFrames * reader.Format.Channels)];
        int frames = reader.Read(block);
        if (frames == 0 && _loop)
        {
            reader.Rewind();
            frames = reader.Read(block);
        }

        if (_realtime && frames > 0)
        {
            _framesDelivered += frames;
            TimeSpan due = TimeSpan.FromSeconds((double)_framesDelivered / reader.Format.SampleRate);
            TimeSpan ahead = due - Stopwatch.GetElapsedTime(_startTimestamp);
            if (ahead > TimeSpan.Zero)
            {
                Thread.Sleep(ahead);
            }
        }

        return frames;
    }

    public void Dispose() => _reader?.Dispose();
}
