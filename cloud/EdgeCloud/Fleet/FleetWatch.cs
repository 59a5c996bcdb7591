using EdgeAgent.Contracts;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Quality;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Fleet;

/// <summary>
/// Raises fleet alarms: at a fixed interval, evaluates every cohort of every label (deviceModel, micModel, firmware,
/// site) over the last hour against the fleet reference, and steps one alarm state machine per cohort and family
/// (ok → warning → alarm → recovering → ok), logging each change. Every cloud instance computes the same alarms from
/// the shared store; the states live in memory and are rebuilt within a few evaluations after a restart. Each cohort
/// also gets a <see cref="ConceptDrift.Family"/> alarm from its labelled clips (<see cref="ConceptDrift"/>).
/// </summary>
public sealed partial class FleetWatch(
    ICloudStore store,
    CohortDrift cohorts,
    IOptions<CloudOptions> options,
    TimeProvider time,
    ILogger<FleetWatch> logger) : BackgroundService
{
    private readonly Dictionary<(string Label, string Group, string Family), AlarmStateMachine> _alarms = [];
    private readonly Dictionary<(string Label, string Group), CohortVerdict> _last = [];
    private readonly Dictionary<(string Label, string Group), string> _concept = [];
    private readonly Lock _lock = new();

    /// <summary>
    /// Cohort alarms not in the ok state, each with its root cause (<see cref="RootCause"/>): the cohort that explains
    /// it, and how when that is another cohort.
    /// </summary>
    public IReadOnlyList<FleetAlarm> ActiveAlarms
    {
        get
        {
            lock (_lock)
            {
                var active = _alarms.Where(a => a.Value.State != AlarmState.Ok)
                    .OrderBy(a => a.Key.Label, StringComparer.Ordinal).ThenBy(a => a.Key.Group, StringComparer.Ordinal).ThenBy(a => a.Key.Family, StringComparer.Ordinal)
                    .ToList();
                var facts = active.Select(a => Facts(a.Key.Label, a.Key.Group, a.Key.Family)).ToList();
                IReadOnlyList<RootCauseVerdict> roots = RootCause.Assign(facts, Quiet);
                return active.Select((a, i) => new FleetAlarm(
                        a.Key.Label, a.Key.Group, a.Key.Family, a.Value.State.ToString().ToLowerInvariant(), a.Value.Since,
                        roots[i].RootCause, roots[i].ExplainedBy, facts[i].Devices.Order(StringComparer.Ordinal).ToList(), Evidence(a.Key.Label, a.Key.Group, a.Key.Family)))
                    .ToList();
            }
        }
    }

    /// <summary>One evaluation of every cohort (also what the timer runs).</summary>
    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        if (await store.GetReferenceAsync(cancellationToken) is not { } stored)
        {
            return;
        }

        SignalProfile reference = ProfileCodec.Decode(stored.Profile);
        FleetOptions fleet = options.Value.Fleet;
        DateTimeOffset now = time.GetUtcNow();
        foreach (string label in DeviceLabels.Names)
        {
            foreach (CohortVerdict cohort in await cohorts.EvaluateAsync(label, fleet.WindowHours, reference, cancellationToken))
            {
                lock (_lock)
                {
                    _last[(label, cohort.Group)] = cohort;
                }

                foreach (FamilySummary family in cohort.Families)
                {
                    Step(label, cohort, family, now, fleet);
                }
            }
        }

        await EvaluateConceptAsync(now, fleet, cancellationToken);
    }

    /// <summary>Labelled precision per cohort of every label, for every keyword model with labelled detections in the quality window.</summary>
    private async Task EvaluateConceptAsync(DateTimeOffset now, FleetOptions fleet, CancellationToken cancellationToken)
    {
        QualityOptions quality = options.Value.Quality;
        IReadOnlyList<ClipRecord> clips = await store.ListClipsAsync(new ClipQuery { Since = now.AddDays(-quality.WindowDays), Until = now, Limit = QualityApi.MaxClips }, cancellationToken);
        List<string> models = clips.Where(c => c.Labels is not null && c.Trigger == ClipTrigger.Detection && c.Keyword is not null)
            .Select(c => c.Keyword!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (models.Count == 0)
        {
            return;
        }

        IReadOnlyList<DeviceRecord> devices = await store.ListDevicesAsync(cancellationToken);
        foreach (string label in DeviceLabels.Names)
        {
            List<QualityRow> rows = models.SelectMany(m => QualityCalculator.Compute(m, label, devices, clips, [])).ToList();
            foreach (IGrouping<string, QualityRow> cohort in rows.GroupBy(r => r.Group, StringComparer.Ordinal))
            {
                CohortVerdict? input;
                lock (_lock)
                {
                    input = _last.GetValueOrDefault((label, cohort.Key));
                }

                (string verdict, string? evidence) = ConceptDrift.Judge(cohort, input?.Verdict, quality);
                StepConcept(label, cohort.Key, verdict, evidence, input?.Devices ?? 0, now, fleet);
            }
        }
    }

    private void StepConcept(string label, string group, string verdict, string? evidence, int devices, DateTimeOffset now, FleetOptions fleet)
    {
        lock (_lock)
        {
            var key = (label, group, ConceptDrift.Family);
            if (!_alarms.TryGetValue(key, out AlarmStateMachine? alarm))
            {
                _alarms[key] = alarm = new AlarmStateMachine(ConceptDrift.Family, new AlarmStateMachineOptions { RaiseAfter = fleet.RaiseAfter, ClearAfter = fleet.ClearAfter });
            }

            if (evidence is not null)
            {
                _concept[(label, group)] = evidence;
            }

            AlarmState before = alarm.State;
            if (alarm.Observe(verdict, now))
            {
                Log.Changed(logger, label, group, ConceptDrift.Family, before.ToString().ToLowerInvariant(), alarm.State.ToString().ToLowerInvariant(), devices, _concept.GetValueOrDefault((label, group)) ?? verdict);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Fleet.EvaluateEverySeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await EvaluateAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Failed(logger, ex);
            }
        }
    }

    private void Step(string label, CohortVerdict cohort, FamilySummary family, DateTimeOffset now, FleetOptions fleet)
    {
        lock (_lock)
        {
            var key = (label, cohort.Group, family.Family);
            if (!_alarms.TryGetValue(key, out AlarmStateMachine? alarm))
            {
                _alarms[key] = alarm = new AlarmStateMachine(family.Family, new AlarmStateMachineOptions { RaiseAfter = fleet.RaiseAfter, ClearAfter = fleet.ClearAfter });
            }

            AlarmState before = alarm.State;
            if (alarm.Observe(family.Verdict, now))
            {
                string evidence = EvidenceText(cohort, family.Family);
                Log.Changed(logger, label, cohort.Group, family.Family, before.ToString().ToLowerInvariant(), alarm.State.ToString().ToLowerInvariant(), cohort.Devices, evidence);
            }
        }
    }

    /// <summary>Some cohort of the label was ok on the family at its last evaluation.</summary>
    private bool Quiet(string label, string family) =>
        _last.Any(c => c.Key.Label == label && c.Value.Families.Any(f => f.Family == family && f.Verdict == DriftReport.Ok));

    private CohortAlarmFacts Facts(string label, string group, string family)
    {
        if (!_last.TryGetValue((label, group), out CohortVerdict? cohort))
        {
            return new CohortAlarmFacts(new CohortRef(label, group), family, new HashSet<string>(), 0);
        }

        double evidence = cohort.Alarms.Where(a => a.Family == family && a.Threshold > 0).Select(a => a.Score / a.Threshold).DefaultIfEmpty(0).Max();
        return new CohortAlarmFacts(new CohortRef(label, group), family, new HashSet<string>(cohort.DeviceIds, StringComparer.Ordinal), evidence);
    }

    /// <summary>The last evaluation's evidence for the family: "feature test score >= threshold; ...".</summary>
    private string? Evidence(string label, string group, string family) =>
        family == ConceptDrift.Family ? _concept.GetValueOrDefault((label, group))
        : _last.TryGetValue((label, group), out CohortVerdict? cohort) && cohort.Alarms.Any(a => a.Family == family)
            ? EvidenceText(cohort, family)
            : null;

    private static string EvidenceText(CohortVerdict cohort, string family) =>
        string.Join("; ", cohort.Alarms.Where(a => a.Family == family).Select(a => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{a.Feature} {a.Test} {a.Score:0.###} >= {a.Threshold:0.###}")));

    private static partial class Log
    {
        [LoggerMessage(5400, LogLevel.Warning, "Fleet alarm {Label}={Group} {Family}: {From} -> {To} ({Devices} device(s)); {Evidence}")]
        public static partial void Changed(ILogger logger, string label, string group, string family, string from, string to, int devices, string evidence);

        [LoggerMessage(5401, LogLevel.Error, "Fleet evaluation failed; it runs again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}

/// <summary>
/// A cohort's alarm: the label and value that define the cohort, the family and its state; its root cause (itself, or
/// the cohort that explains it with <paramref name="ExplainedBy"/> saying how), the cohort's devices and the last
/// evaluation's evidence.
/// </summary>
public sealed record FleetAlarm(
    string Label, string Group, string Family, string State, DateTimeOffset? Since,
    CohortRef RootCause, string? ExplainedBy, IReadOnlyList<string> Devices, string? Evidence);
