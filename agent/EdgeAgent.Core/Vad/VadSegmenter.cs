namespace EdgeAgent.Core.Vad;

/// <summary>
/// Streaming hysteresis over VAD frame probabilities: speech starts at the first frame at or above the onset
/// threshold and ends once the probability has stayed below the offset threshold for the minimum silence;
/// segments shorter than the minimum speech duration are dropped. Times are in samples of the stream.
/// </summary>
public sealed class VadSegmenter
{
    private readonly VadSegmenterOptions _options;
    private readonly int _sampleRate;
    private readonly long _minSpeech;
    private readonly long _minSilence;
    private readonly long _pad;
    private bool _inSpeech;
    private long _start;
    private long _silenceStart = -1;
    private long _lastEmittedEnd;

    public VadSegmenter(VadSegmenterOptions options, int sampleRate)
    {
        options.Validate();
        _options = options;
        _sampleRate = sampleRate;
        _minSpeech = (long)options.MinSpeechMs * sampleRate / 1000;
        _minSilence = (long)options.MinSilenceMs * sampleRate / 1000;
        _pad = (long)options.PadMs * sampleRate / 1000;
    }

    /// <summary>
    /// Feeds the probability of the frame covering samples [<paramref name="frameStart"/>, <paramref name="frameEnd"/>).
    /// Returns a segment when one ends with this frame.
    /// </summary>
    public SpeechSegment? Push(float probability, long frameStart, long frameEnd)
    {
        if (!_inSpeech)
        {
            if (probability >= _options.OnsetThreshold)
            {
                _inSpeech = true;
                _start = frameStart;
                _silenceStart = -1;
            }

            return null;
        }

        if (probability >= _options.OffsetThreshold)
        {
            _silenceStart = -1;
            return null;
        }

        if (_silenceStart < 0)
        {
            _silenceStart = frameStart;
        }

        return frameEnd - _silenceStart >= _minSilence ? Close(_silenceStart) : null;
    }

    /// <summary>Ends the stream at <paramref name="streamEnd"/>: an open segment is closed there.</summary>
    public SpeechSegment? Flush(long streamEnd)
    {
        if (!_inSpeech)
        {
            return null;
        }

        return Close(_silenceStart >= 0 ? _silenceStart : streamEnd, streamEnd);
    }

    public void Reset()
    {
        _inSpeech = false;
        _silenceStart = -1;
        _lastEmittedEnd = 0;
    }

    private SpeechSegment? Close(long end, long limit = long.MaxValue)
    {
        _inSpeech = false;
        _silenceStart = -1;
        if (end - _start < _minSpeech)
        {
            return null;
        }

        long start = Math.Max(Math.Max(0, _start - _pad), _lastEmittedEnd);
        long stop = Math.Min(end + _pad, limit);
        _lastEmittedEnd = stop;
        return new SpeechSegment((double)start / _sampleRate, (double)stop / _sampleRate);
    }
}
