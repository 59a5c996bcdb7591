using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;

namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// One seed of the rollout simulation: the real cloud engine (one or two instances over one store) and N real agent
/// reconcilers over an in-memory broker, a rollout of VAD v6 over v5 created a few seconds in, and the scenario's faults
/// until <see cref="FaultsEnd"/>; then calm, until the rollout has ended and the fleet has settled. Invariants are
/// checked after every cloud tick and at the end; the first violation is returned (with the seed, which replays it).
/// </summary>
internal sealed class RolloutSimulation : IAsyncDisposable
{
    public static readonly TimeSpan FaultsEnd = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(900);
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(20);

    private readonly SimClock _clock;
    private readonly SimBroker _broker;
    private readonly SimCloud _cloud;
    private readonly List<SimDevice> _devices = [];
    private readonly string _root;
    private readonly DateTimeOffset _start;
    private readonly Dictionary<string, List<RolloutTransition>> _seenHistory = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];
    private string? _rolloutId;

    public RolloutSimulation(int seed)
    {
        _clock = new SimClock(seed);
        Scenario = SimScenario.Draw(_clock);
        _broker = new SimBroker(_clock, Scenario.Network);
        _root = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"edge-sim-{seed}-{Guid.NewGuid():n}"); // tmpfs: the slots are fsynced often
        _cloud = new SimCloud(Path.Combine(_root, "cloud"), _clock, _broker, Scenario.SecondInstance ? 2 : 1);
        _start = _clock.Now;
        for (int i = 0; i < Scenario.Devices; i++)
        {
            _devices.Add(new SimDevice($"dev-{i + 1}", Path.Combine(_root, $"dev-{i + 1}"), _clock, _broker, Scenario, () => _clock.Now < _start + FaultsEnd));
        }
    }

    public SimScenario Scenario { get; }

    public long Events => _clock.Events;

    public string Summary { get; private set; } = "";

    /// <summary>Every device's reports, in order (for replaying one seed).</summary>
    public string Reports => string.Join(Environment.NewLine, _devices.Select(d =>
        $"{d.Id}: {string.Join(", ", d.Reports.Select(p => $"{p.At:mm:ss} {p.Phase}{(p.Health?.Agreement is { } a ? $"({a:F2})" : "")}{(p.Reason is null ? "" : $" [{p.Reason}]")}"))}{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", d.Plans)}"));

    /// <summary>How the rollout ended (its state), or why the seed stopped short.</summary>
    public string Outcome { get; private set; } = "none";

    public async ValueTask DisposeAsync()
    {
        _cloud.Dispose();
        await Task.Yield();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Runs the seed; null when every invariant held, else what broke.</summary>
    public async Task<string?> RunAsync()
    {
        foreach (SimDevice d in _devices)
        {
            await _cloud.Store.AddDeviceAsync(new DeviceRecord { DeviceId = d.Id, Labels = new DeviceLabels { DeviceModel = "k1", MicModel = "mic-a", Site = "lab" }, PasswordHash = "-", CreatedAt = _clock.Now });
        }

        foreach (SimDevice d in _devices.Skip(Scenario.Late))
        {
            d.Start();
        }

        _clock.After(TimeSpan.FromSeconds(5), CreateRolloutAsync);
        foreach (SimDevice d in _devices.Take(Scenario.Late))
        {
            // In a calm world late devices come within the device deadline (60 s): otherwise pausing is right.
            _clock.After(TimeSpan.FromSeconds(6 + _clock.Random.Next(Scenario.Calm ? 30 : 60)), d.Start);
        }

        ScheduleFaults();
        DateTimeOffset calm = _start + FaultsEnd;
        _clock.After(FaultsEnd, Calm);
        DateTimeOffset checkedAt = _clock.Now;
        await _clock.RunUntilAsync(calm, CheckAsync);
        DateTimeOffset? ended = null;
        while (_clock.Now < _start + Bound && _violations.Count == 0)
        {
            await _clock.RunUntilAsync(_clock.Now + TimeSpan.FromSeconds(5), CheckAsync);
            if (await RolloutAsync() is { } r && Ended(r))
            {
                ended ??= _clock.Now;
                if (_clock.Now - ended >= s_settle)
                {
                    break;
                }
            }
        }

        if (_violations.Count == 0)
        {
            await CheckEndAsync();
        }

        return _violations.Count == 0 ? null : string.Join(Environment.NewLine, _violations.Take(5));
    }

    private async Task CreateRolloutAsync()
    {
        RolloutEngine engine = _cloud.Any;
        engine.IdBytes = n =>
        {
            byte[] bytes = new byte[n];
            _clock.Random.NextBytes(bytes); // the canary order (a hash of device and rollout id) replays with the seed
            return bytes;
        };
        var request = new RolloutRequest
        {
            Model = SimModels.Vad, Version = SimModels.Candidate, Strategy = Scenario.Strategy, Stages = Scenario.Stages, ShadowSeconds = Scenario.ShadowSeconds,
            Gates = new RolloutGates { MinDevices = 1, MinSamples = 100, MinAgreement = 0.8 }, ProbationSeconds = 20, DeviceDeadlineSeconds = 60,
        };
        var manifest = new SignedModelManifest
        {
            Manifest = new ModelPackageManifest { Name = SimModels.Vad, Kind = ModelPackageManifest.Vad, Version = SimModels.Candidate, Inputs = [], Outputs = [] },
            Sha256 = new string('0', 64), Signature = "simulated",
        };
        Rollout r = await engine.CreateAsync(request, null, manifest, "ops", CancellationToken.None);
        _rolloutId = r.Id;
    }

    private void ScheduleFaults()
    {
        TimeSpan Anytime() => TimeSpan.FromSeconds(5 + (_clock.Random.NextDouble() * (FaultsEnd.TotalSeconds - 10)));
        if (Scenario.BrokerRestarts)
        {
            _clock.After(Anytime(), () =>
            {
                _broker.Restart();
                _cloud.Reconnect();
                foreach (SimDevice d in _devices)
                {
                    _clock.After(_clock.Jitter(TimeSpan.FromSeconds(10)), d.Reconnect);
                }
            });
        }

        if (Scenario.InstanceDies)
        {
            _clock.After(Anytime(), () => _cloud.Kill(_clock.Random.Next(Scenario.SecondInstance ? 2 : 1), TimeSpan.FromSeconds(5 + _clock.Random.Next(30))));
        }

        string[] actions = ["pause", "resume", "promote", "abort", "rollback"];
        for (int i = 0; i < Scenario.OperatorActions; i++)
        {
            string action = actions[_clock.Random.Next(actions.Length)];
            _clock.After(Anytime(), async () =>
            {
                if (_rolloutId is not null && _cloud.Pick() is { } engine)
                {
                    await engine.CommandAsync(_rolloutId, action, "operator", CancellationToken.None);
                    _cloud.Changed = true;
                }
            });
        }

        for (int i = 0; i < Scenario.TechnicianActions; i++)
        {
            SimDevice d = _devices[_clock.Random.Next(_devices.Count)];
            _clock.After(Anytime(), d.TechnicianRollback);
        }
    }

    /// <summary>From here on nothing fails: every agent runs and is connected.</summary>
    private void Calm()
    {
        foreach (SimDevice d in _devices)
        {
            if (!d.Alive)
            {
                d.Start();
            }
        }
    }

    private async Task<Rollout?> RolloutAsync() => _rolloutId is null ? null : await _cloud.Store.GetRolloutAsync(_rolloutId) is { } json
        ? System.Text.Json.JsonSerializer.Deserialize(json, RolloutJsonContext.Default.Rollout)
        : null;

    private static bool Ended(Rollout r) => r.State is not RolloutState.Running;

    /// <summary>After every event: what must hold at all times.</summary>
    private async Task CheckAsync()
    {
        foreach (SimDevice d in _devices)
        {
            _violations.AddRange(d.Violations);
            d.Violations.Clear();
        }

        if (!_cloud.TakeChanged() || await RolloutAsync() is not { } r)
        {
            return; // a rollout changes only when an instance ticks or takes a command
        }

        // History never goes backwards: every stored revision extends what was seen before.
        if (_seenHistory.TryGetValue(r.Id, out List<RolloutTransition>? seen) && (r.History.Count < seen.Count || !r.History.Take(seen.Count).SequenceEqual(seen)))
        {
            _violations.Add($"{r.Id}: history went backwards: had [{string.Join("; ", seen)}], now [{string.Join("; ", r.History)}]");
        }

        _seenHistory[r.Id] = r.History.ToList();

        // A device outside the current canary stage serves its baseline.
        if (r.State == RolloutState.Running && r.Step == RolloutStep.Stage)
        {
            int count = Math.Max(1, (int)Math.Ceiling(r.Devices.Count * r.Stages[r.Stage].Percent / 100.0));
            foreach (RolloutDevice rd in r.Devices.Where(x => x.Rank >= count))
            {
                if (Device(rd.DeviceId) is { Touched: false, Runtime: { Started: true } rt } && rt.Serving(SimModels.Vad) == SimModels.Candidate)
                {
                    _violations.Add($"{rd.DeviceId} serves {SimModels.Candidate} outside stage {r.Stage + 1} of {r.Id} (rank {rd.Rank}, stage holds {count})");
                }
            }
        }
    }

    private async Task CheckEndAsync()
    {
        if (await RolloutAsync() is not { } r)
        {
            _violations.Add("the rollout was never created");
            return;
        }

        Outcome = r.State.ToString();
        Summary = $"{r.State} after {r.History.Count} transitions: {string.Join(" | ", r.History.Select(t => $"{t.From} -> {t.To}: {t.Reason}"))}";
        if (r.State == RolloutState.Running)
        {
            _violations.Add($"{r.Id} still running {_clock.Now - _start:g} after the start (bound {Bound:g}): {Summary}");
            return;
        }

        if (r.State == RolloutState.Paused && string.IsNullOrEmpty(r.History.LastOrDefault()?.Reason))
        {
            _violations.Add($"{r.Id} paused without a reason");
        }

        bool serves = r.Strategy != RolloutStrategy.Shadow;
        int inLastStage = r.Strategy == RolloutStrategy.Canary ? Math.Max(1, (int)Math.Ceiling(r.Devices.Count * r.Stages[^1].Percent / 100.0)) : r.Devices.Count;
        foreach (RolloutDevice rd in r.Devices)
        {
            SimDevice d = Device(rd.DeviceId)!;
            if (d.Runtime is not { } rt)
            {
                _violations.Add($"{d.Id} is not running at the end ({d.Kills} kills)");
                continue;
            }

            string? serving = rt.Serving(SimModels.Vad);
            if (rt.ShadowRollout == r.Id && r.State is RolloutState.Completed or RolloutState.RolledBack or RolloutState.Aborted)
            {
                _violations.Add($"{d.Id} still shadows {r.Id}, which is {r.State}");
            }

            if (d.Touched)
            {
                continue; // a technician's device is theirs
            }

            string expected = r.State switch
            {
                RolloutState.Completed when serves && rd.Rank < inLastStage => SimModels.Candidate,
                RolloutState.Completed or RolloutState.RolledBack => SimModels.Baseline,
                _ => serving ?? "",
            };
            if (serving != expected)
            {
                _violations.Add($"{d.Id} serves {serving} after {r.Id} ended {r.State}; expected {expected} (rank {rd.Rank})");
            }
        }

        if (Scenario.Calm)
        {
            RolloutState wanted = Scenario.GoodCandidate ? RolloutState.Completed : RolloutState.RolledBack;
            if (r.State != wanted)
            {
                _violations.Add($"calm seed, {(Scenario.GoodCandidate ? "good" : "bad")} candidate: {r.Id} ended {r.State}, expected {wanted}: {Summary}");
            }

            if (Scenario.GoodCandidate && _devices.SelectMany(d => d.Reports).FirstOrDefault(p => p.Phase == RolloutProgress.RolledBackPhase) is { } p)
            {
                _violations.Add($"calm seed, good candidate: a device reported ROLLED_BACK ({p.Reason})");
            }
        }
    }

    private SimDevice? Device(string id) => _devices.FirstOrDefault(d => d.Id == id);
}
