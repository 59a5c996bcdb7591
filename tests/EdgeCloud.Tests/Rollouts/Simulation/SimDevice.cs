using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Updates;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Planning;
using EdgeAgent.Updates.Running;
using EdgeAgent.Updates.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// A simulated device: a real <see cref="ModelReconciler"/> (planner, runner, slots, intents, model store on disk)
/// over a <see cref="FakeRuntime"/>, its outbox, and its connection to the broker. A kill ends the "process" at once —
/// at one of the runner's crash points or between ticks — and the restart loads what the slots on disk say.
/// </summary>
internal sealed class SimDevice : IReportSink, IModelSource
{
    private readonly SimClock _clock;
    private readonly SimBroker _broker;
    private readonly SimScenario _scenario;
    private readonly SimOutbox _outbox;
    private readonly ModelStore _store;
    private ModelReconciler? _reconciler;
    private CancellationTokenSource _process = new();
    private int _generation;
    private long _bdSeq;
    private readonly Func<bool> _faulty;
    private RolloutProgress? _lastRolledBack;
    private readonly HashSet<string> _wentBack = new(StringComparer.Ordinal); // model names this device ever rolled back (on disk in reality: the slots say so)

    /// <param name="faulty">Whether faults happen now (the scenario's kills stop when the simulation calms down).</param>
    public SimDevice(string id, string root, SimClock clock, SimBroker broker, SimScenario scenario, Func<bool> faulty)
    {
        _faulty = faulty;
        Id = id;
        _clock = clock;
        _broker = broker;
        _scenario = scenario;
        _outbox = new SimOutbox(clock, broker, id);
        _store = new ModelStore(root);
        SimModels.Install(_store, SimModels.Vad, SimModels.Baseline, clock.Now.AddDays(-1));
    }

    public string Id { get; }

    public string Root => _store.Root;

    public FakeRuntime? Runtime { get; private set; }

    public bool Alive => _reconciler is not null;

    public int Kills { get; private set; }

    /// <summary>A technician acted on this device (its models are theirs from then on).</summary>
    public bool Touched { get; private set; }

    /// <summary>Every ROLLED_BACK the device reported, with whether a roll-back ran for it (a violation when not).</summary>
    public List<string> Violations { get; } = [];

    public List<RolloutProgress> Reports { get; } = [];

    /// <summary>What each tick planned (non-empty plans), for replaying one seed.</summary>
    public List<string> Plans { get; } = [];

    public bool CanDownload => true;

    public void Start()
    {
        int generation = ++_generation;
        _clock.After(TimeSpan.Zero, async () =>
        {
            if (generation != _generation)
            {
                return;
            }

            _process = new CancellationTokenSource();
            CancellationToken process = _process.Token;
            var runtime = new FakeRuntime(_clock, _scenario);
            var reconciler = new ModelReconciler(_store, this, runtime, this, _clock.Time, new ReconcilerOptions
            {
                WatchInterval = TimeSpan.FromSeconds(5), Failpoint = Failpoint,
            }, NullLogger.Instance);
            _reconciler = reconciler;
            Runtime = runtime;
            try
            {
                IReadOnlyDictionary<string, string> serving = await reconciler.PrepareStartAsync(process);
                runtime.Start(_store, serving);
            }
            catch (OperationCanceledException) when (process.IsCancellationRequested)
            {
                Kill();
                return;
            }

            _broker.Connect(Id, t => t == Topics.For(Id, Topics.StateDesired), OnDesiredAsync);
            _broker.Publish(Topics.For(Id, Topics.Status), JsonSerializer.SerializeToUtf8Bytes(new StatusPayload { State = StatusPayload.Online, BdSeq = ++_bdSeq }, ContractsJsonContext.Default.StatusPayload), retain: true);
            _outbox.Flush(all: true);
            Tick(generation);
        });
    }

    /// <summary>The process dies: nothing in memory survives; it starts again after a while unless <paramref name="restartAfter"/> is null.</summary>
    public void Kill(TimeSpan? restartAfter = null)
    {
        if (!Alive)
        {
            return;
        }

        Plans.Add($"{_clock.Now:mm:ss} killed");
        Kills++;
        _generation++;
        _process.Cancel();
        _reconciler = null;
        Runtime = null;
        _broker.Disconnect(Id);
        Start(restartAfter ?? TimeSpan.FromSeconds(1 + _clock.Random.Next(20)));
    }

    public void Reconnect()
    {
        if (Alive)
        {
            _broker.Connect(Id, t => t == Topics.For(Id, Topics.StateDesired), OnDesiredAsync);
            _outbox.Flush(all: true);
        }
    }

    /// <summary>A technician's <c>edgectl models rollback</c> (the intent is applied at the agent's next tick, or at its next start).</summary>
    public void TechnicianRollback()
    {
        Touched = true;
        IntentQueue.Add(Root, new TechnicianIntent { Kind = IntentKind.Rollback, Name = SimModels.Vad, At = _clock.Now, By = "edgectl models rollback" });
    }

    public void Progress(RolloutProgress progress)
    {
        ulong seq = _outbox.NextSeq();
        RolloutProgress sent = progress with { Seq = seq };
        Reports.Add(sent);
        if (sent.Phase == RolloutProgress.RolledBackPhase)
        {
            _lastRolledBack = sent;
        }

        _outbox.Enqueue(seq, Topics.For(Id, Topics.StateProgress), JsonSerializer.SerializeToUtf8Bytes(sent, ContractsJsonContext.Default.RolloutProgress), retain: false);
    }

    public void Reported(ReportedState state) =>
        _outbox.Enqueue(_outbox.NextSeq(), Topics.For(Id, Topics.StateReported), JsonSerializer.SerializeToUtf8Bytes(state, ContractsJsonContext.Default.ReportedState), retain: true);

    public void Fault(string code, string detail)
    {
    }

    public long BytesHeld(string name, string version) => 0;

    public Task<InstalledModel> DownloadAsync(string name, string version, Action<long>? onBytes, CancellationToken cancellationToken) =>
        name == SimModels.Vad && version is SimModels.Candidate or SimModels.Baseline
            ? Task.FromResult(SimModels.Install(_store, name, version, _clock.Now))
            : throw new ModelUpdateException($"{name}@{version} is not in the registry");

    private void Start(TimeSpan after)
    {
        int generation = _generation;
        _clock.After(after, () =>
        {
            if (generation == _generation && !Alive)
            {
                Start();
            }
        });
    }

    private void Tick(int generation) => _clock.After(TimeSpan.FromSeconds(1), async () =>
    {
        if (generation != _generation || _reconciler is not { } reconciler)
        {
            return;
        }

        if (_scenario.KillsPerMinute > 0 && _faulty() && _clock.Chance(_scenario.KillsPerMinute / 60))
        {
            Kill();
            return;
        }

        try
        {
            _lastRolledBack = null;
            ReconcileResult result = await reconciler.ReconcileOnceAsync(_process.Token);
            if (!result.Plan.IsEmpty)
            {
                Plans.Add($"{_clock.Now:mm:ss} desired {result.Inputs.Desired?.Version}: {string.Join(", ", result.Inputs.Desired?.Models.Select(m => m.Mode) ?? [])} -> {result.Plan}");
            }

            foreach (ModelCommand c in result.Plan.Commands.Where(c => c.Kind == CommandKind.RollBack || c.Intent is not null))
            {
                _wentBack.Add(c.Name);
            }

            if (_lastRolledBack is { } rolledBack && !_wentBack.Contains(rolledBack.Name) && !RollBackRan(result, rolledBack))
            {
                Violations.Add($"{Id} reported ROLLED_BACK for {rolledBack.RolloutId} ({rolledBack.Reason}) without a roll-back: plan was {result.Plan}");
            }
        }
        catch (OperationCanceledException) when (_process.IsCancellationRequested)
        {
            Kill();
            return;
        }

        _outbox.Flush();
        Tick(generation);
    });

    /// <summary>A ROLLED_BACK is honest when this tick rolled back (a RollBack command, or a switch applying a technician's intent), or the cloud asked it.</summary>
    private static bool RollBackRan(ReconcileResult result, RolloutProgress p) =>
        result.Plan.Commands.Any(c => c.Name == p.Name && (c.Kind == CommandKind.RollBack || c.Intent is not null))
        || result.Inputs.Desired?.Models.Any(m => m.RolloutId == p.RolloutId && m.Mode == DesiredModel.RolledBack) == true;

    private Task OnDesiredAsync(string topic, byte[] payload)
    {
        _reconciler?.Offer(JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.DesiredState)!);
        return Task.CompletedTask;
    }

    private void Failpoint(string name)
    {
        if (_scenario.KillAtFailpoint > 0 && _faulty() && _clock.Chance(_scenario.KillAtFailpoint))
        {
            // The process dies here: nothing after this point runs (the runner lets a cancellation of its token through).
            _process.Cancel();
            throw new OperationCanceledException($"killed at {name}", _process.Token);
        }
    }
}
