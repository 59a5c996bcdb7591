using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Planning;
using EdgeAgent.Updates.Runtime;
using EdgeAgent.Updates.Slots;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Updates.Running;

/// <summary>
/// The device's one owner of the model slots and the live, standby and shadow pipelines. Each tick
/// (<see cref="ReconcileOnceAsync"/>): read the inputs (the cloud's newest desired state, the technicians' pending
/// intents, the slots, the store, what the runtime holds and, every <see cref="ReconcilerOptions.WatchInterval"/>, the
/// probation verdicts) → plan (<see cref="Planner"/>, pure) → run (<see cref="PlanRunner"/>) → report
/// (<c>state/reported</c> after any change, its <see cref="ReportedState.AppliedVersion"/> the desired version
/// reconciled). Before the runtime has started, a tick does the start checks only (intents, the crash-loop guard, an
/// unusable serving version), so the models load from the resulting slots. Single-threaded: call one tick at a time.
/// </summary>
public sealed class ModelReconciler
{
    private readonly ModelStore _store;
    private readonly IModelRuntime _runtime;
    private readonly IReportSink _sink;
    private readonly TimeProvider _time;
    private readonly ReconcilerOptions _options;
    private readonly ILogger _logger;
    private readonly PlanRunner _runner;
    private readonly Lock _gate = new();
    private DesiredState? _desired;
    private long _loggedDesired = -1;
    private bool _startCounted;
    private bool _reportDue = true;
    private DateTimeOffset _nextWatch = DateTimeOffset.MinValue;

    public ModelReconciler(ModelStore store, IModelSource source, IModelRuntime runtime, IReportSink sink, TimeProvider time, ReconcilerOptions options, ILogger logger)
    {
        _store = store;
        _runtime = runtime;
        _sink = sink;
        _time = time;
        _options = options;
        _logger = logger;
        _runner = new PlanRunner(store, source, runtime, sink, time, options, logger);
    }

    /// <summary>The newest desired state offered (null until the cloud sent one).</summary>
    public DesiredState? Desired
    {
        get
        {
            lock (_gate)
            {
                return _desired;
            }
        }
    }

    /// <summary>A desired state from the cloud (any thread). An older version than the one held is ignored; any offer makes the next tick report.</summary>
    public void Offer(DesiredState desired)
    {
        lock (_gate)
        {
            if (_desired is null || desired.Version >= _desired.Version)
            {
                _desired = desired;
            }

            _reportDue = true;
        }
    }

    /// <summary>Before the models load: applies pending intents and the start checks, and returns name → the version to serve.</summary>
    /// <exception cref="ModelStoreException">The slots are unreadable.</exception>
    public async Task<IReadOnlyDictionary<string, string>> PrepareStartAsync(CancellationToken cancellationToken)
    {
        await ReconcileOnceAsync(cancellationToken);
        return ModelSlots.Read(_store.Root).Models.ToDictionary(m => m.Key, m => m.Value.Serving, StringComparer.Ordinal);
    }

    /// <summary>One tick: read the inputs → plan → run → report.</summary>
    public async Task<ReconcileResult> ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        ReconcileInputs inputs = ReadInputs();
        if (inputs.Desired is { } desired && desired.Version != _loggedDesired)
        {
            _loggedDesired = desired.Version;
            ReconcilerLog.Desired(_logger, desired.Version, string.Join(", ", desired.Models.Select(m => $"{m.Name}@{m.Version} {m.Mode}")));
        }

        Plan plan = Planner.Plan(inputs);
        if (plan.Commands.Any(c => c.Kind is not CommandKind.Report))
        {
            ReconcilerLog.Planned(_logger, plan.ToString());
        }

        IReadOnlyList<CommandOutcome> outcomes = await _runner.RunAsync(plan, cancellationToken);
        _startCounted |= inputs.CountStart;
        if (inputs.WatchDue)
        {
            _nextWatch = inputs.Now + _options.WatchInterval;
        }

        bool reportDue = false;
        if (inputs.Runtime.Started)
        {
            lock (_gate)
            {
                reportDue = _reportDue;
                _reportDue = false;
            }
        }

        if (inputs.Runtime.Started && (reportDue || plan.Commands.Any(c => c.Kind is not CommandKind.Report)))
        {
            _sink.Reported(Reported(ModelSlots.Read(_store.Root), _runtime.View()));
        }

        return new ReconcileResult(inputs, plan, outcomes);
    }

    private ReconcileInputs ReadInputs()
    {
        SlotsDocument slots = ModelSlots.Read(_store.Root);
        IntentQueue.RemoveApplied(_store.Root, slots);
        RuntimeView runtime = _runtime.View();
        DateTimeOffset now = _time.GetUtcNow();
        bool watchDue = runtime.Started && now >= _nextWatch;
        var verdicts = new Dictionary<string, ProbationVerdict>(StringComparer.Ordinal);
        if (watchDue)
        {
            foreach ((string name, ModelSlot slot) in slots.Models.Where(m => m.Value.ProbationUntil is not null))
            {
                verdicts[name] = Probation.Judge(name, slot, runtime, _runner.Before.GetValueOrDefault(name));
            }
        }

        return new ReconcileInputs
        {
            Desired = Desired,
            Intents = IntentQueue.Pending(_store.Root, slots),
            Slots = slots,
            Runtime = runtime,
            Installed = _store.List().Select(m => m.Manifest).ToList(),
            Unusable = runtime.Started ? new Dictionary<string, string>() : Unusable(slots),
            Verdicts = verdicts,
            WatchDue = watchDue,
            CountStart = !runtime.Started && !_startCounted,
            MaxProbationStarts = _options.MaxProbationStarts,
            Now = now,
        };
    }

    /// <summary>The versions the slots name that are missing or damaged (checked at start only: it reads every file).</summary>
    private Dictionary<string, string> Unusable(SlotsDocument slots)
    {
        var unusable = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, ModelSlot slot) in slots.Models)
        {
            foreach (string version in new[] { slot.Active, slot.Previous }.OfType<string>())
            {
                try
                {
                    ModelStore.Verify(_store.Find(name, version));
                }
                catch (ModelStoreException ex)
                {
                    unusable[$"{name}@{version}"] = ex.Message;
                }
            }
        }

        return unusable;
    }

    private ReportedState Reported(SlotsDocument slots, RuntimeView view)
    {
        var models = new List<ModelRef>();
        foreach ((string name, string version) in view.Serving)
        {
            models.Add(new ModelRef { Name = name, Version = version, Slot = "active" });
            if (slots.For(name) is { } slot)
            {
                if (slot.Previous is { } previous)
                {
                    models.Add(new ModelRef { Name = name, Version = previous, Slot = "previous" });
                }

                if (slot.Candidate is { } candidate)
                {
                    models.Add(new ModelRef { Name = name, Version = candidate, Slot = "candidate" });
                }
            }
        }

        return new ReportedState
        {
            AppliedVersion = slots.AppliedVersion, At = _time.GetUtcNow(), Models = models,
            Pins = slots.Models.Where(s => s.Value.Pinned is not null).Select(s => $"{s.Key}@{s.Value.Pinned}").ToList(),
        };
    }
}
