using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Detection;

/// <summary>
/// The device's drift watch: profiles every frame into fixed windows; at the end of each window, merges the last
/// windows, compares them with the reference (the one shipped with the model, or else the baseline the device
/// learns from its first minutes of speech, with thresholds adapted to its spread) and steps one alarm state machine
/// per family; a <see cref="TrendWatch"/> on the windows tells sudden changes from gradual ones. Allocation-free per
/// frame; window ends allocate (once a minute).
/// </summary>
public sealed class DriftMonitor
{
    private readonly DriftMonitorOptions _options;
    private readonly DriftAnalyzer _analyzer;
    private readonly SignalProfiler _profiler = new();
    private readonly Queue<SignalProfile> _recent = new();
    private readonly List<SignalProfile> _learningWindows = [];
    private readonly TrendWatch _trends;
    private readonly long _framesPerWindow;
    private readonly double _fingerprintDefaultDb;
    private SignalProfile? _learning;
    private DriftThresholds? _modelThresholds;

    /// <summary>The evidence's <see cref="DriftAlarm.Against"/> for each comparison.</summary>
    public const string BaselineEvidence = "this device's baseline";

    public const string ShippedEvidence = "the configured reference";

    public const string ModelEvidence = "the model's training reference";

    /// <param name="referenceThresholds">A shipped reference's thresholds (null: adapted to the reference's own spread, when it carries one).</param>
    public DriftMonitor(DriftMonitorOptions options, DriftOptions drift, AlarmStateMachineOptions alarms, SignalProfile? reference, DriftThresholds? referenceThresholds = null)
    {
        _fingerprintDefaultDb = drift.FingerprintThresholdDb;
        Thresholds = reference is null ? null
            : referenceThresholds ?? (reference.Spread.Count > 0 ? DriftThresholds.FromSpread(reference.Spread, options.ThresholdSigmas, drift.FingerprintThresholdDb) : null);
        _options = options;
        _analyzer = new DriftAnalyzer(drift);
        _framesPerWindow = Math.Max(1, (long)Math.Round(options.WindowSeconds / SignalProfile.FrameSeconds));
        _trends = new TrendWatch(options.WindowSeconds, drift.FingerprintThresholdDb);
        Reference = reference;
        ReferenceIsBaseline = false;
        _learning = reference is null ? new SignalProfile() : null;
        Alarms = DriftFamily.All.Select(f => new AlarmStateMachine(f, alarms)).ToList();
    }

    /// <summary>What the input is compared with; null while the baseline is still being learned.</summary>
    public SignalProfile? Reference { get; private set; }

    /// <summary>The reference shipped with a model version, compared with as well (see <see cref="UseModelReference"/>).</summary>
    public SignalProfile? ModelReference { get; private set; }

    /// <summary>Which model version <see cref="ModelReference"/> came with, e.g. <c>silero_vad@v6</c>.</summary>
    public string? ModelReferenceName { get; private set; }

    /// <summary>True when the reference is the device's own learned baseline.</summary>
    public bool ReferenceIsBaseline { get; private set; }

    public IReadOnlyList<AlarmStateMachine> Alarms { get; }

    /// <summary>Minimum effects adapted to this device's baseline (null: the defaults).</summary>
    public DriftThresholds? Thresholds { get; private set; }

    /// <summary>Where the pipeline's outputs for the current window go (keyword scores, segments, detections, latency).</summary>
    public PredictionProfile Predictions => _profiler.Predictions;

    /// <summary>Adds one 32 ms frame; returns the closed window when this frame completes one.</summary>
    public DriftWindow? Push(ReadOnlySpan<float> frame, float vadProbability, DateTimeOffset now, double vadLatencyMs = double.NaN)
    {
        _profiler.Push(frame, vadProbability, vadLatencyMs);
        return _profiler.Profile.Frames >= _framesPerWindow ? CloseWindow(now) : null;
    }

    /// <summary>Uses a persisted baseline (after a restart) instead of learning a new one.</summary>
    public void RestoreBaseline(SignalProfile baseline, DriftThresholds? thresholds)
    {
        Reference = baseline;
        ReferenceIsBaseline = true;
        Thresholds = thresholds;
        _learning = null;
        _learningWindows.Clear();
    }

    private DriftWindow CloseWindow(DateTimeOffset end)
    {
        SignalProfile window = _profiler.TakeProfile();
        DateTimeOffset start = end - TimeSpan.FromSeconds(window.DurationSeconds);
        bool baselineLearned = false;
        if (_learning is not null)
        {
            _learning.MergeFrom(window);
            _learningWindows.Add(window);
            if (_learning.SpeechSeconds >= _options.BaselineSpeechSeconds)
            {
                Reference = _learning;
                ReferenceIsBaseline = true;
                Thresholds = _options.AdaptThresholds
                    ? DriftThresholds.Learn(_learningWindows, _learning, s => _analyzer.Required(s) / _options.EvaluationWindows, _options.ThresholdSigmas, _fingerprintDefaultDb)
                    : null;
                _learning = null;
                _learningWindows.Clear();
                baselineLearned = true;
            }
        }

        _recent.Enqueue(window);
        if (_recent.Count > _options.EvaluationWindows)
        {
            _recent.Dequeue();
        }

        DriftReport? report = null, modelReport = null;
        var changes = new List<AlarmChange>();
        bool againstReference = Reference is not null && !baselineLearned;
        if (againstReference || ModelReference is not null)
        {
            var merged = new SignalProfile();
            foreach (SignalProfile p in _recent)
            {
                merged.MergeFrom(p);
            }

            report = againstReference ? _analyzer.Compare(merged, Reference!, Thresholds) : null;
            modelReport = ModelReference is not null ? _analyzer.Compare(merged, ModelReference, _modelThresholds) : null;
            string against = ReferenceIsBaseline ? BaselineEvidence : ShippedEvidence;
            string modelAgainst = $"{ModelEvidence} ({ModelReferenceName})";
            foreach (AlarmStateMachine alarm in Alarms)
            {
                AlarmState before = alarm.State;
                string verdict = Worse(Verdict(report, alarm.Family), Verdict(modelReport, alarm.Family));
                if (alarm.Observe(verdict, end))
                {
                    List<DriftAlarm> evidence =
                    [
                        .. report?.Alarms.Where(a => a.Family == alarm.Family).Select(a => a with { Against = against }) ?? [],
                        .. modelReport?.Alarms.Where(a => a.Family == alarm.Family).Select(a => a with { Against = modelAgainst }) ?? [],
                    ];
                    changes.Add(new AlarmChange(alarm.Family, before, alarm.State, alarm.Since, evidence));
                }
            }
        }

        IReadOnlyList<DriftTrend> trends = _trends.Observe(window, Reference);
        return new DriftWindow(start, end, window, report, changes, trends, baselineLearned, modelReport);
    }

    /// <summary>
    /// Also compares the input with the reference a model version shipped with (its manifest's
    /// <c>referenceProfile</c>: "is my input like what this model was trained on?"), beside the baseline or configured
    /// reference ("did my input change?"); null stops that. Thresholds come from the reference's own spread.
    /// </summary>
    public void UseModelReference(SignalProfile? reference, string? name)
    {
        ModelReference = reference;
        ModelReferenceName = reference is null ? null : name;
        _modelThresholds = reference is { Spread.Count: > 0 } ? DriftThresholds.FromSpread(reference.Spread, _options.ThresholdSigmas, _fingerprintDefaultDb) : null;
    }

    private static string? Verdict(DriftReport? report, string family) => report?.Families.First(f => f.Family == family).Verdict;

    /// <summary>Drift when either comparison drifts; ok when either can tell; else not enough data.</summary>
    private static string Worse(string? a, string? b) =>
        a == DriftReport.Drift || b == DriftReport.Drift ? DriftReport.Drift
        : a == DriftReport.Ok || b == DriftReport.Ok ? DriftReport.Ok
        : DriftReport.InsufficientData;
}

/// <summary>
/// One closed window: its profile, the evaluation made at its end (null while learning), the alarm changes and the
/// sudden or gradual changes its medians completed; <see cref="ModelReport"/> is the comparison with the model's
/// training reference, when one is in use.
/// </summary>
public sealed record DriftWindow(
    DateTimeOffset Start,
    DateTimeOffset End,
    SignalProfile Profile,
    DriftReport? Report,
    IReadOnlyList<AlarmChange> Changes,
    IReadOnlyList<DriftTrend> Trends,
    bool BaselineLearned,
    DriftReport? ModelReport = null)
{
    private byte[]? _encoded;

    /// <summary>The window's profile in the compact encoding, made once for whoever stores or sends it.</summary>
    public byte[] EncodedProfile => _encoded ??= ProfileCodec.Encode(Profile);
}

/// <summary>A family's alarm moved, with the evidence behind it.</summary>
public sealed record AlarmChange(string Family, AlarmState From, AlarmState To, DateTimeOffset? Since, IReadOnlyList<DriftAlarm> Evidence);
