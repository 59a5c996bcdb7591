namespace EdgeAgent.Core.Keywords;

/// <summary>
/// Turns one head's score stream into detections: a detection is reported at the peak of a run of scores at or
/// above the threshold, and the keyword is then quiet for the refractory period.
/// </summary>
public sealed class KeywordTrigger
{
    private readonly KeywordTriggerOptions _options;
    private bool _inRun;
    private float _peak;
    private double _peakTime;
    private int _peakLabel;
    private double _quietUntil = double.NegativeInfinity;

    public KeywordTrigger(KeywordTriggerOptions options)
    {
        _options = options;
    }

    /// <summary>
    /// Feeds a prediction made at <paramref name="timeSec"/>. Returns true when a detection completes; its
    /// score, time and label index are then in <see cref="Peak"/>, <see cref="PeakTimeSec"/> and <see cref="PeakLabel"/>.
    /// </summary>
    public bool Push(float score, double timeSec, int label = 0)
    {
        if (score >= _options.Threshold && timeSec >= _quietUntil)
        {
            if (!_inRun || score > _peak)
            {
                _peak = score;
                _peakTime = timeSec;
                _peakLabel = label;
            }

            _inRun = true;
            return false;
        }

        return _inRun && Complete();
    }

    /// <summary>Closes a run still open at the end of the stream.</summary>
    public bool Flush() => _inRun && Complete();

    /// <summary>Marks a gap in the score stream (predictions skipped): an open run completes.</summary>
    public bool Interrupt() => Flush();

    public float Peak => _peak;

    public double PeakTimeSec => _peakTime;

    public int PeakLabel => _peakLabel;

    public void Reset()
    {
        _inRun = false;
        _quietUntil = double.NegativeInfinity;
    }

    private bool Complete()
    {
        _inRun = false;
        _quietUntil = _peakTime + _options.RefractoryMs / 1000.0;
        return true;
    }
}
