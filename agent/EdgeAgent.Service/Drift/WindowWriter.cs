using EdgeAgent.Drift.Detection;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Service.Recording;
using EdgeAgent.Storage;

namespace EdgeAgent.Service.Drift;

/// <summary>
/// The recorder's side of the drift watch: stores each closed window (encoding its profile), the learned baseline
/// and the alarm states, sends the window's summary and alarm changes to the fleet outbox and logs them. Runs on
/// the recorder's thread, never on the audio thread.
/// </summary>
internal sealed class WindowWriter(DriftStore store, FleetLink fleet, ILogger logger) : IBatchWriter<ClosedWindow>
{
    public void Write(IReadOnlyList<ClosedWindow> batch)
    {
        foreach (ClosedWindow item in batch)
        {
            if (!item.Done)
            {
                Write(item);
            }
        }
    }

    private void Write(ClosedWindow item)
    {
        DriftWindow window = item.Window;
        if (!item.Stored)
        {
            store.SaveWindow(window);
            item.Stored = true;
        }

        if (item.LearnedBaseline is { } baseline && !item.BaselineStored)
        {
            store.SaveBaseline(baseline, item.Thresholds, window.End);
            item.BaselineStored = true;
            string adapted = item.Thresholds is { MinEffects.Count: > 0 } t
                ? string.Join(", ", t.MinEffects.Select(e => $"{e.Key} {e.Value:0.###}"))
                : "none";
            DriftWatchLog.BaselineLearned(logger, baseline.SpeechSeconds, adapted);
        }

        for (; item.AlarmsDone < window.Changes.Count; item.AlarmsDone++)
        {
            AlarmChange change = window.Changes[item.AlarmsDone];
            store.SaveAlarm(change.Family, change.To, change.Since);
            string evidence = string.Join(", ", change.Evidence.Select(e => $"{e.Feature} {e.Test} {e.Score:0.###} >= {e.Threshold:0.###} (moved {e.Effect:+0.###;-0.###} {e.Unit}){(e.Against is null ? "" : $" against {e.Against}")}"));
            string features = evidence.Length > 0 ? evidence : "no drifting feature";
            fleet.PublishAlarm(change, features);
            DriftWatchLog.AlarmChanged(logger, change.Family, Name(change.From), Name(change.To), change.Since, features);
        }

        if (!item.Published)
        {
            fleet.PublishWindow(window, item.Signals);
            item.Published = true;
        }

        foreach (DriftTrend trend in window.Trends)
        {
            DriftWatchLog.Trend(
                logger,
                trend.CrossesThreshold ? LogLevel.Warning : LogLevel.Information,
                trend.Feature,
                trend.Change,
                trend.From,
                trend.To,
                trend.Unit,
                trend.RatePerHour,
                trend.WindowsSinceOnset,
                trend.CrossesThreshold ? "; beyond its drift threshold" : string.Empty);
        }

        DriftWatchLog.Window(logger, window.Start, window.End, window.Report?.Verdict ?? "learning");
        item.Done = true;
    }

    private static string Name(AlarmState state) => state.ToString().ToLowerInvariant();
}
