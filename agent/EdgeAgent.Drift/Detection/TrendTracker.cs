namespace EdgeAgent.Drift.Detection;

/// <summary>
/// One tracked per-window quantity with hysteresis: Page–Hinkley proposes a change, and the change is reported once,
/// only when it is confirmed — the last <see cref="ConfirmWindows"/> values since its onset all sit beyond the midpoint
/// between the old and the new level, and the new level differs from the old by at least the smallest change worth
/// reporting and by <see cref="SpreadSigmas"/> robust standard deviations (1.4826·MAD) of the values before the onset,
/// so a stream that merely varies (a looped recording, a room that swings from window to window) reports nothing.
/// After a report the new level is the baseline and nothing is reported for <see cref="SettleWindows"/> windows.
/// </summary>
public sealed class TrendTracker
{
    /// <summary>Values since the onset that must all agree before a change is reported.</summary>
    public const int ConfirmWindows = 3;

    /// <summary>Windows after a report during which the same quantity reports nothing.</summary>
    public const int SettleWindows = 5;

    /// <summary>k of the spread gate: a change must exceed k robust standard deviations of the values before it.</summary>
    public const double SpreadSigmas = 3;

    private const int HistoryWindows = 20;
    private const int GiveUpWindows = 12;

    private readonly PageHinkley _test;
    private readonly double _minChange;
    private readonly List<(long Index, double Value)> _values = [];
    private long _index;
    private long _testStart = 1;
    private long? _onset;
    private long _detectedAt;
    private int _settle;

    /// <param name="delta">Page–Hinkley's tolerated drift per window.</param>
    /// <param name="lambda">Page–Hinkley's detection threshold.</param>
    /// <param name="minChange">The smallest change of level worth reporting, in the quantity's unit.</param>
    public TrendTracker(double delta, double lambda, double minChange)
    {
        _test = new PageHinkley(delta, lambda);
        _minChange = minChange;
    }

    /// <summary>Feeds one window's value (NaN: no evidence, skipped); returns the change it confirms, if any.</summary>
    public ConfirmedChange? Add(double value)
    {
        if (!double.IsFinite(value))
        {
            return null;
        }

        _index++;
        _values.Add((_index, value));
        if (_values.Count > HistoryWindows + GiveUpWindows)
        {
            _values.RemoveAt(0);
        }

        if (_settle > 0)
        {
            if (--_settle == 0)
            {
                Restart();
            }

            return null;
        }

        if (_onset is null)
        {
            if (!_test.Add(value))
            {
                return null;
            }

            _onset = _testStart + (_test.ChangeAt ?? _test.Count) - 1;
            _detectedAt = _index;
        }

        return Confirm();
    }

    private ConfirmedChange? Confirm()
    {
        long onset = _onset!.Value;
        double[] before = _values.Where(v => v.Index < onset).Select(v => v.Value).TakeLast(HistoryWindows).ToArray();
        double[] after = _values.Where(v => v.Index >= onset).Select(v => v.Value).ToArray();
        if (before.Length < ConfirmWindows)
        {
            Restart();
            return null;
        }

        if (after.Length < ConfirmWindows)
        {
            return null;
        }

        double from = Median(before), to = Median(after.TakeLast(ConfirmWindows).ToArray());
        double spread = 1.4826 * Median(before.Select(v => Math.Abs(v - from)).ToArray());
        double middle = (from + to) / 2;
        bool consistent = after.TakeLast(ConfirmWindows).All(v => to > from ? v > middle : v < middle);
        bool large = Math.Abs(to - from) >= Math.Max(_minChange, SpreadSigmas * spread);
        if (consistent && large)
        {
            long sinceOnset = _index - onset + 1;
            bool sudden = _detectedAt - onset + 1 <= TrendWatch.SuddenWindows;
            double rate = sudden ? (to - from) / sinceOnset : Slope(after);
            _settle = SettleWindows;
            _onset = null;
            _values.RemoveAll(v => v.Index < onset);
            return new ConfirmedChange(sudden, sinceOnset, from, to, rate);
        }

        if (after.Length >= GiveUpWindows || (after.Length >= ConfirmWindows && !large && _index - _detectedAt >= ConfirmWindows))
        {
            Restart(); // it came back, or never settled: part of the quantity's normal variation
        }

        return null;
    }

    /// <summary>Starts the change test over on the values of the current level.</summary>
    private void Restart()
    {
        _test.Reset();
        _onset = null;
        double[] recent = _values.Select(v => v.Value).TakeLast(ConfirmWindows).ToArray();
        _testStart = _index - recent.Length + 1;
        foreach (double v in recent)
        {
            _test.Add(v);
        }
    }

    private static double Median(double[] values)
    {
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Least-squares slope per window.</summary>
    private static double Slope(double[] values)
    {
        int n = values.Length;
        if (n < 2)
        {
            return 0;
        }

        double meanX = (n - 1) / 2.0, meanY = values.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++)
        {
            sxy += (i - meanX) * (values[i] - meanY);
            sxx += (i - meanX) * (i - meanX);
        }

        return sxy / sxx;
    }
}

/// <summary>A confirmed change of level: sudden or not, windows since its onset, old and new level, rate per window.</summary>
public sealed record ConfirmedChange(bool Sudden, long WindowsSinceOnset, double From, double To, double RatePerWindow);
