using EdgeAgent.Contracts;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Service.Drift;

/// <summary>
/// A window the audio thread has closed, handed to the recorder with what it needs (the baseline it learned, if it
/// learned one), and the recorder's progress on it: a retried batch skips the steps already done, so nothing is
/// stored or sent twice.
/// </summary>
internal sealed class ClosedWindow(DriftWindow window, SignalProfile? learnedBaseline, DriftThresholds? thresholds)
{
    public DriftWindow Window { get; } = window;

    /// <summary>The baseline this window completed (null unless <see cref="DriftWindow.BaselineLearned"/>).</summary>
    public SignalProfile? LearnedBaseline { get; } = learnedBaseline;

    public DriftThresholds? Thresholds { get; } = thresholds;

    /// <summary>The implicit signals counted in this window, per keyword (null: none).</summary>
    public Dictionary<string, ImplicitSignals>? Signals { get; init; }

    public bool Stored { get; set; }

    public bool BaselineStored { get; set; }

    /// <summary>Alarm changes stored and sent, in order.</summary>
    public int AlarmsDone { get; set; }

    public bool Published { get; set; }

    public bool Done { get; set; }
}
