using EdgeAgent.Contracts;

namespace EdgeAgent.Clips;

/// <summary>
/// Counts the implicit signals per keyword (<see cref="ImplicitSignals"/>) on the stream's own clock (seconds since
/// the agent started listening): a <em>repeat</em> is a detection within <see cref="RepeatWindowSec"/> after a
/// detection or a near miss of the same keyword; an <em>unanswered</em> detection is one after which nobody speaks for
/// <see cref="SilenceSec"/> once the keyword has ended (its speech run, at most <see cref="KeywordTailSec"/> past the
/// detection's peak; speech running on past that is an answer). Fed on the audio thread: every VAD frame (allocation-free),
/// each detection and near miss; <see cref="TakeWindow"/> at a window's end hands over the counts and starts afresh.
/// </summary>
public sealed class ImplicitSignalCounter
{
    public const double RepeatWindowSec = 4;
    public const double SilenceSec = 3;
    public const double KeywordTailSec = 1;

    /// <summary>A near miss and a detection closer than this are one utterance whose score dipped, not a repeat.</summary>
    public const double MinRepeatGapSec = 1;
    private const double GapSec = 0.3;
    private const int MaxPending = 16;

    private readonly Dictionary<string, Counts> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _lastSeen = new(StringComparer.Ordinal);
    private readonly Pending[] _pending = new Pending[MaxPending];
    private int _pendingCount;
    private double _lastSpeechEndSec = double.NegativeInfinity;

    /// <summary>A detection whose peak was at <paramref name="timeSec"/>.</summary>
    public void OnDetection(string keyword, double timeSec)
    {
        Counts counts = CountsOf(keyword);
        if (_lastSeen.TryGetValue(keyword, out double last) && timeSec - last <= RepeatWindowSec && timeSec - last >= MinRepeatGapSec)
        {
            counts.Repeats++;
        }

        _lastSeen[keyword] = timeSec;
        if (_pendingCount == MaxPending)
        {
            // More detections in flight than people speak: the oldest is decided as answered.
            Array.Copy(_pending, 1, _pending, 0, MaxPending - 1);
            _pendingCount--;
        }

        // The keyword's speech may have gone on since the peak (the detection arrives a little after it).
        double keywordEnd = _lastSpeechEndSec >= timeSec - GapSec ? Math.Min(Math.Max(timeSec, _lastSpeechEndSec), timeSec + KeywordTailSec) : timeSec;
        _pending[_pendingCount++] = new Pending(counts, timeSec, keywordEnd);
    }

    /// <summary>A near miss of <paramref name="keyword"/> at <paramref name="timeSec"/>.</summary>
    public void OnNearMiss(string keyword, double timeSec)
    {
        if (!_lastSeen.TryGetValue(keyword, out double last) || timeSec > last)
        {
            _lastSeen[keyword] = timeSec;
        }
    }

    /// <summary>One VAD frame [<paramref name="startSec"/>, <paramref name="endSec"/>): speech or not.</summary>
    public void OnVadFrame(bool speech, double startSec, double endSec)
    {
        for (int i = _pendingCount - 1; i >= 0; i--)
        {
            ref Pending p = ref _pending[i];
            bool answered = false;
            if (speech)
            {
                if (startSec - p.KeywordEndSec <= GapSec && endSec <= p.PeakSec + KeywordTailSec)
                {
                    p.KeywordEndSec = Math.Max(p.KeywordEndSec, endSec); // still the keyword
                }
                else
                {
                    answered = true;
                }
            }

            if (answered)
            {
                Remove(i);
            }
            else if (startSec >= p.KeywordEndSec + SilenceSec)
            {
                p.Counts.Unanswered++;
                Remove(i);
            }
        }

        if (speech)
        {
            _lastSpeechEndSec = endSec;
        }
    }

    /// <summary>The counts since the last call (null when there are none), and a fresh start.</summary>
    public Dictionary<string, ImplicitSignals>? TakeWindow()
    {
        Dictionary<string, ImplicitSignals>? window = null;
        foreach ((string keyword, Counts counts) in _counts)
        {
            if (counts.Repeats > 0 || counts.Unanswered > 0)
            {
                window ??= new Dictionary<string, ImplicitSignals>(StringComparer.Ordinal);
                window[keyword] = new ImplicitSignals(counts.Repeats, counts.Unanswered);
                counts.Repeats = 0;
                counts.Unanswered = 0;
            }
        }

        return window;
    }

    private Counts CountsOf(string keyword)
    {
        if (!_counts.TryGetValue(keyword, out Counts? counts))
        {
            counts = new Counts();
            _counts[keyword] = counts;
        }

        return counts;
    }

    private void Remove(int index)
    {
        Array.Copy(_pending, index + 1, _pending, index, _pendingCount - index - 1);
        _pending[--_pendingCount] = default;
    }

    private sealed class Counts
    {
        public long Repeats;
        public long Unanswered;
    }

    private struct Pending(Counts counts, double peakSec, double keywordEndSec)
    {
        public readonly Counts Counts = counts;
        public readonly double PeakSec = peakSec;
        public double KeywordEndSec = keywordEndSec;
    }
}
