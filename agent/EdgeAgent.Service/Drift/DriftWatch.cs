using EdgeAgent.Clips;
using EdgeAgent.Core.Models;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Service.Recording;
using EdgeAgent.Storage;

namespace EdgeAgent.Service.Drift;

/// <summary>
/// Runs the <see cref="DriftMonitor"/> on the pipeline's VAD frames and hands every closed window to a background
/// recorder, which keeps windows, the learned baseline and alarm states in the agent's LiteDB store (so they survive
/// a restart), sends the window's summary and alarm changes to the fleet and logs them. The audio thread never
/// writes, encodes or publishes: a slow SD card fills the recorder's queue (and then drops windows, counted), it
/// never stalls capture.
/// </summary>
internal sealed class DriftWatch : IAsyncDisposable
{
    public const string RecorderName = "drift windows";

    private readonly DriftMonitor _monitor;
    private readonly DriftStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BatchingRecorder<ClosedWindow> _recorder;
    private volatile string[] _activeAlarms = [];

    public DriftWatch(DriftWatchOptions options, string dataDir, FleetLink fleet, TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
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

        _activeAlarms = Active(_monitor.Alarms);
        _recorder = new BatchingRecorder<ClosedWindow>(RecorderName, new WindowWriter(_store, fleet, logger), options.Recorder, time, logger);
    }

    /// <summary>
    /// The serving models (at start and after every switch): the first whose manifest carries a reference profile (the
    /// VAD's before the others) is compared with as well, so the device can tell "unlike what the model was trained on"
    /// from "changed since I started". Decoded once per model version.
    /// </summary>
    public void UseModels(IEnumerable<InstalledModel> models)
    {
        InstalledModel? shipped = models.FirstOrDefault(m => m.Manifest.ReferenceProfile is not null);
        string? name = shipped?.ToString();
        if (name == _monitor.ModelReferenceName)
        {
            return;
        }

        SignalProfile? reference = null;
        if (shipped is not null)
        {
            try
            {
                reference = ProfileDocument.Parse(shipped.Manifest.ReferenceProfile!.Value, $"{name}'s referenceProfile").ToProfile();
                DriftWatchLog.ModelReference(_logger, name!);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                DriftWatchLog.ModelReferenceUnusable(_logger, name!, ex.Message);
            }
        }

        _monitor.UseModelReference(reference, name);
    }

    /// <summary>Where the pipeline's keyword scores, segments, detections and chunk latency for this window go.</summary>
    public PredictionProfile Predictions => _monitor.Predictions;

    /// <summary>
    /// The implicit signals (repeats, unanswered detections) of the window being filled; fed on the audio thread, taken
    /// at each window's end into its summary.
    /// </summary>
    public ImplicitSignalCounter Signals { get; } = new();

    /// <summary>The families whose drift alarm is raised (alarm or recovering), as of the last closed window.</summary>
    public IReadOnlyList<string> ActiveAlarms => _activeAlarms;

    /// <summary>Windows the recorder dropped because its queue was full.</summary>
    public long DroppedWindows => _recorder.Dropped;

    /// <summary>
    /// One VAD frame; allocation-free except at a window's end, where the closed window (its profile, evaluation and
    /// alarm changes already made) is handed to the recorder without waiting.
    /// </summary>
    public void Push(ReadOnlySpan<float> frame, float probability, double vadLatencyMs)
    {
        DriftWindow? window = _monitor.Push(frame, probability, _time.GetUtcNow(), vadLatencyMs);
        if (window is not null)
        {
            // The learned baseline and thresholds are not changed after they are learned: the recorder may read them.
            SignalProfile? baseline = window.BaselineLearned ? _monitor.Reference : null;
            _activeAlarms = window.Changes.Count > 0 ? Active(_monitor.Alarms) : _activeAlarms;
            _recorder.TryRecord(new ClosedWindow(window, baseline, _monitor.Thresholds) { Signals = Signals.TakeWindow() });
        }
    }

    private static string[] Active(IEnumerable<AlarmStateMachine> alarms) =>
        alarms.Where(a => a.State is AlarmState.Alarm or AlarmState.Recovering).Select(a => a.Family).ToArray();

    /// <summary>Writes what is queued, then closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        await _recorder.DisposeAsync();
        _store.Dispose();
    }
}
