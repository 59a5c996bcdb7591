using EdgeCloud.Rollouts;

namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// One seed's world, drawn from the seed alone: the fleet, the candidate (good, or one that disagrees with everything),
/// the rollout asked for, and how often things go wrong (agents killed at their crash points or between ticks, the
/// broker restarting, a cloud instance dying, operators and technicians acting at random times).
/// </summary>
internal sealed record SimScenario
{
    public required int Devices { get; init; }

    /// <summary>Devices whose agent starts only after the rollout began.</summary>
    public required int Late { get; init; }

    public required bool GoodCandidate { get; init; }

    public required string Strategy { get; init; }

    public required List<RolloutStage> Stages { get; init; }

    public required int ShadowSeconds { get; init; }

    public required SimFaults Network { get; init; }

    /// <summary>Chance that an agent dies at a crash point it passes (after the download, slot switch, live switch, commit).</summary>
    public required double KillAtFailpoint { get; init; }

    /// <summary>Expected agent kills between ticks per device-minute.</summary>
    public required double KillsPerMinute { get; init; }

    public required bool BrokerRestarts { get; init; }

    public required bool SecondInstance { get; init; }

    public required bool InstanceDies { get; init; }

    /// <summary>Operator commands (pause, resume, promote, abort, rollback) at random times.</summary>
    public required int OperatorActions { get; init; }

    /// <summary>Technician rollbacks on random devices.</summary>
    public required int TechnicianActions { get; init; }

    public static SimScenario Draw(SimClock clock)
    {
        Random r = clock.Random;
        string strategy = r.Next(6) switch { 0 => "shadow", 1 => "blue-green", _ => "canary" };
        int stages = strategy == "canary" ? 1 + r.Next(3) : 1;
        var percents = Enumerable.Range(0, stages).Select(_ => 10 + r.Next(91)).Order().ToList();
        percents[^1] = strategy == "canary" && r.Next(4) == 0 ? percents[^1] : 100;
        bool calm = r.Next(5) == 0; // some seeds run without faults: there everything must complete as asked
        return new SimScenario
        {
            Devices = 2 + r.Next(5),
            Late = r.Next(3),
            GoodCandidate = r.Next(4) != 0,
            Strategy = strategy,
            Stages = percents.Select(p => new RolloutStage(p, r.Next(3) * 5, RequireApproval: !calm && r.Next(6) == 0)).ToList(),
            ShadowSeconds = strategy == "shadow" || r.Next(3) != 0 ? 5 + r.Next(15) : 0,
            Network = calm ? new SimFaults(TimeSpan.FromMilliseconds(20), 0) : SimFaults.Draw(clock),
            KillAtFailpoint = calm ? 0 : r.NextDouble() * 0.3,
            KillsPerMinute = calm ? 0 : r.NextDouble() * 0.5,
            BrokerRestarts = !calm && r.Next(3) == 0,
            SecondInstance = r.Next(2) == 0,
            InstanceDies = !calm && r.Next(3) == 0,
            OperatorActions = calm ? 0 : r.Next(3),
            TechnicianActions = calm ? 0 : r.Next(2),
        };
    }

    public bool Calm => KillAtFailpoint == 0 && KillsPerMinute == 0 && !BrokerRestarts && !InstanceDies && OperatorActions == 0 && TechnicianActions == 0;

    /// <summary>How often two versions' decisions agree, frame by frame.</summary>
    public double Agreement(string a, string b) => a == b ? 1.0 : (IsBad(a) || IsBad(b) ? 0.0 : 0.97);

    /// <summary>The share of frames a version calls speech: a bad candidate hears almost none.</summary>
    public double SpeechShare(string version) => IsBad(version) ? 0.01 : 0.3;

    private bool IsBad(string version) => !GoodCandidate && version == SimModels.Candidate;
}
