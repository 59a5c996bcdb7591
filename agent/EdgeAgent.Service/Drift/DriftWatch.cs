using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Storage;

namespace EdgeAgent.Service.Drift;

/// <summary>
/// Runs the <see cref="DriftMonitor"/> on the pipeline's VAD frames, keeps windows, the learned baseline and alarm
/// states in the agent's LiteDB store (so they survive a restart) and logs every alarm change with its evidence.
/// </summary>
internal sealed class DriftWatch : IDisposable
{
    private readonly DriftMonitor _monitor;
    private readonly DriftStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FleetLink _fleet;

    public DriftWatch(DriftWatchOptions options, string dataDir, FleetLink fleet, TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        _fleet = fleet;
        _store = new DriftStore(dataDir, options.RetainWindows);
        try
        {
            SignalProfile? reference = null;
            if (!string.IsNullOrWhiteSpace(options.ReferenceFile))
            {
                reference = ProfileDocument.Read(options.ReferenceFile).ToProfile();
                DriftWatchLog.ReferenceLoaded(logger, options.ReferenceFile);
            }

            _monitor = new DriftMonitor(options.Monitor, options.Tests, options.Alarms, reference);
            if (reference is null)
            {
                if (_store.LoadBaseline() is { } baseline)
                {
                    _monitor.RestoreBaseline(baseline.Profile, baseline.Thresholds);
                    DriftWatchLog.BaselineRestored(logger, baseline.LearnedAt);
                }
                else
                {
                    DriftWatchLog.Learning(logger, options.Monitor.BaselineSpeechSeconds);
                }
            }

            _store.RestoreAlarms(_monitor.Alarms);
            foreach (AlarmStateMachine alarm in _monitor.Alarms.Where(a => a.State != AlarmState.Ok))
            {
                DriftWatchLog.AlarmRestored(logger, alarm.Family, alarm.State.ToString(), alarm.Since);
            }
        }
        catch
        {
            _store.Dispose();
            throw;
        }
    }

    /// <summary>Where the pipeline's keyword scores, segments, detections and chunk latency for this window go.</summary>
    public PredictionProfile Predictions => _monitor.Predictions;

    /// <summary>One VAD frame; allocation-free except at a window's end.</summary>
    public void Push(ReadOnlySpan<float> frame, float probability, double vadLatencyMs)
    {
        DriftWindow? window = _monitor.Push(frame, probability, _time.GetUtcNow(), vadLatencyMs);
        if (window is null)
        {
            return;
        }

        try
        {
            _store.SaveWindow(window);
            if (window.BaselineLearned && _monitor.Reference is { } baseline)
            {
                _store.SaveBaseline(baseline, _monitor.Thresholds, window.End);
                string adapted = _monitor.Thresholds is { MinEffects.Count: > 0 } t
                    ? string.Join(", ", t.MinEffects.Select(e => $"{e.Key} {e.Value:0.###}"))
                    : "none";
                DriftWatchLog.BaselineLearned(_logger, baseline.SpeechSeconds, adapted);
            }

            foreach (AlarmChange change in window.Changes)
            {
                _store.SaveAlarm(_monitor.Alarms.First(a => a.Family == change.Family));
                string evidence = string.Join(", ", change.Evidence.Select(e => $"{e.Feature} {e.Test} {e.Score:0.###} >= {e.Threshold:0.###} (moved {e.Effect:+0.###;-0.###} {e.Unit})"));
                string features = evidence.Length > 0 ? evidence : "no drifting feature";
                DriftWatchLog.AlarmChanged(_logger, change.Family, Name(change.From), Name(change.To), change.Since, features);
                _fleet.PublishAlarm(change, features);
            }

            _fleet.PublishWindow(window);

            foreach (DriftTrend trend in window.Trends)
            {
                DriftWatchLog.Trend(_logger, trend.Feature, trend.Change, trend.RatePerHour, trend.Unit, trend.WindowsSinceOnset);
            }

            DriftWatchLog.Window(_logger, window.Start, window.End, window.Report?.Verdict ?? "learning");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            DriftWatchLog.WindowFailed(_logger, ex);
        }
    }

    public void Dispose() => _store.Dispose();

    private static string Name(AlarmState state) => state.ToString().ToLowerInvariant();
}
