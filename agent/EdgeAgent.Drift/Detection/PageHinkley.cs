namespace EdgeAgent.Drift.Detection;

/// <summary>
/// Two-sided Page–Hinkley test on a sequence of per-window values (e.g. per-minute noise-floor medians): it flags a
/// sustained change of the mean larger than <c>delta</c> once the cumulative deviation passes <c>lambda</c>, and tells
/// a sudden step (few windows from onset to detection) from a gradual drift. The rate of change is the least-squares
/// slope over the recent values, per window.
/// </summary>
public sealed class PageHinkley(double delta, double lambda, int slopeWindow = 10)
{
    private readonly Queue<double> _recent = new();
    private long _count;
    private double _mean;
    private double _up;
    private double _upMin;
    private double _down;
    private double _downMax;
    private long _upMinAt;
    private long _downMaxAt;

    public long Count => _count;

    /// <summary>Windows since the change began, when one is detected.</summary>
    public long? ChangeAt { get; private set; }

    /// <summary>Feeds one value; true when a change is detected with it.</summary>
    public bool Add(double value)
    {
        if (!double.IsFinite(value))
        {
            return false;
        }

        _count++;
        _mean += (value - _mean) / _count;
        _recent.Enqueue(value);
        if (_recent.Count > slopeWindow)
        {
            _recent.Dequeue();
        }

        _up += value - _mean - delta;
        if (_up < _upMin)
        {
            _upMin = _up;
            _upMinAt = _count;
        }

        _down += value - _mean + delta;
        if (_down > _downMax)
        {
            _downMax = _down;
            _downMaxAt = _count;
        }

        if (_up - _upMin > lambda)
        {
            ChangeAt = _upMinAt + 1;
            return true;
        }

        if (_downMax - _down > lambda)
        {
            ChangeAt = _downMaxAt + 1;
            return true;
        }

        return false;
    }

    /// <summary>Least-squares slope of the recent values, per window.</summary>
    public double Slope()
    {
        int n = _recent.Count;
        if (n < 2)
        {
            return 0;
        }

        double meanX = (n - 1) / 2.0, meanY = _recent.Average(), sxy = 0, sxx = 0;
        int i = 0;
        foreach (double y in _recent)
        {
            sxy += (i - meanX) * (y - meanY);
            sxx += (i - meanX) * (i - meanX);
            i++;
        }

        return sxy / sxx;
    }

    /// <summary>Starts over (after a change was handled, the new level becomes the baseline).</summary>
    public void Reset()
    {
        _count = 0;
        _mean = _up = _upMin = _down = _downMax = 0;
        _upMinAt = _downMaxAt = 0;
        ChangeAt = null;
        _recent.Clear();
    }
}
