using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>The decider on a fake clock: (rollout, reports, now) → decision, along each strategy's table.</summary>
public sealed class RolloutDeciderTests
{
    private readonly FakeTimeProvider _time = new(RolloutSamples.Start);

    private RolloutDecision Tick(Rollout r, IReadOnlyDictionary<string, RolloutDeviceReport> reports) => RolloutDecider.Tick(r, reports, _time.GetUtcNow());

    [Fact]
    public void TheMeasuredCanary_ShadowThen50Then100_TellsEveryDeviceEachStep_AndCompletes()
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.Canary(4), "ops", _time.GetUtcNow()).Rollout;
        Assert.Equal(["shadow", "shadow", "shadow", "shadow"], RolloutSamples.Modes(r).Values);

        _time.Advance(TimeSpan.FromSeconds(19));
        RolloutDecision early = Tick(r, RolloutSamples.All(r, RolloutProgress.ShadowPhase));
        Assert.False(early.Changed); // shadow time not up

        _time.Advance(TimeSpan.FromSeconds(2));
        r = Tick(r, RolloutSamples.All(r, RolloutProgress.ShadowPhase)).Rollout;
        Assert.Equal((RolloutStep.Stage, 0), (r.Step, r.Stage));
        Assert.Equal(["active", "active", "baseline", "baseline"], RolloutSamples.Modes(r).Values); // the two outside stop shadowing

        // Stage 1 judges its own two devices: the others still reporting SHADOW do not hold it up.
        var stage1 = new Dictionary<string, RolloutDeviceReport>(RolloutSamples.All(r, RolloutProgress.ShadowPhase)) { ["d0"] = RolloutSamples.Report(RolloutProgress.ActivePhase, seq: 2), ["d1"] = RolloutSamples.Report(RolloutProgress.ActivePhase, seq: 2) };
        _time.Advance(TimeSpan.FromSeconds(10));
        r = Tick(r, stage1).Rollout;
        Assert.Equal((RolloutStep.Stage, 1), (r.Step, r.Stage));
        Assert.Equal(["active", "active", "active", "active"], RolloutSamples.Modes(r).Values);

        _time.Advance(TimeSpan.FromSeconds(10));
        r = Tick(r, RolloutSamples.All(r, RolloutProgress.ActivePhase)).Rollout;
        Assert.Equal(RolloutStep.Commit, r.Step);
        Assert.Equal(["committed", "committed", "committed", "committed"], RolloutSamples.Modes(r).Values);

        RolloutDecision done = Tick(r, RolloutSamples.All(r, RolloutProgress.CommittedPhase));
        Assert.Equal((RolloutState.Completed, RolloutStep.Done), (done.Rollout.State, done.Rollout.Step));
        Assert.Equal(
            ["created -> shadow", "shadow -> stage 1 (50%)", "stage 1 (50%) -> stage 2 (100%)", "stage 2 (100%) -> commit", "commit -> completed"],
            done.Rollout.History.Select(t => $"{t.From} -> {t.To}"));
        Assert.Equal("4 of 4 devices committed silero_vad@v6", done.Transitions.Single().Reason);
    }

    [Fact]
    public void Deciding_NeverChangesTheRolloutItIsGiven()
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.Canary(2, 0), "ops", _time.GetUtcNow()).Rollout;
        string before = System.Text.Json.JsonSerializer.Serialize(r, RolloutJsonContext.Default.Rollout);
        _time.Advance(TimeSpan.FromSeconds(30));

        RolloutDecision next = Tick(r, RolloutSamples.All(r, RolloutProgress.ActivePhase));
        RolloutDecision paused = RolloutDecider.Command(r, RolloutAction.Pause, "ops", _time.GetUtcNow());

        Assert.True(next.Changed && paused.Changed);
        Assert.Equal(before, System.Text.Json.JsonSerializer.Serialize(r, RolloutJsonContext.Default.Rollout));
    }

    [Fact]
    public void ADeviceSilentPastItsDeadline_IsCountedFailed_AndFailsTheGate()
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.Canary(2, 0, new RolloutStage(100, 5, false)), "ops", _time.GetUtcNow()).Rollout;
        var reports = new Dictionary<string, RolloutDeviceReport> { ["d0"] = RolloutSamples.Report(RolloutProgress.ActivePhase), ["d1"] = RolloutSamples.Report(RolloutProgress.Downloading, seq: 7) };

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(Tick(r, reports).Changed); // d1 still on its way: waited for

        _time.Advance(TimeSpan.FromSeconds(31));
        RolloutDecision d = Tick(r, reports);
        SilentDevice silent = Assert.Single(d.Silent);
        Assert.Equal(("d1", RolloutProgress.Failed, 7UL), (silent.DeviceId, silent.Report.Phase, silent.Report.Seq));
        Assert.Equal("no ACTIVE or COMMITTED report within 60 s (last: DOWNLOADING)", silent.Report.Reason);
        Assert.Equal(RolloutState.RolledBack, d.Rollout.State);
        Assert.Equal(["rolled-back", "rolled-back"], RolloutSamples.Modes(d.Rollout).Values);
    }

    [Fact]
    public void ABadShadow_RollsBack_AndEveryShadowingDeviceIsToldSo()
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.Canary(3), "ops", _time.GetUtcNow()).Rollout;
        _time.Advance(TimeSpan.FromSeconds(21));

        RolloutDecision d = Tick(r, RolloutSamples.All(r, RolloutProgress.ShadowPhase, agreement: 0.3));

        Assert.Equal(RolloutState.RolledBack, d.Rollout.State);
        Assert.StartsWith("gate failed at shadow: shadow agreement 0.30 < 0.80", d.Transitions.Single().Reason, StringComparison.Ordinal);
        Assert.Equal(["rolled-back", "rolled-back", "rolled-back"], RolloutSamples.Modes(d.Rollout).Values);
    }

    [Fact]
    public void TooLittleEvidence_IsWaitedForUpToTheDeadline_ThenPauses()
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.Canary(2) with { Gates = new RolloutGates { MinDevices = 2, MinSamples = 1000 } }, "ops", _time.GetUtcNow()).Rollout;
        var reports = RolloutSamples.All(r, RolloutProgress.ShadowPhase);

        _time.Advance(TimeSpan.FromSeconds(20 + 59));
        Assert.False(Tick(r, reports).Changed);
        _time.Advance(TimeSpan.FromSeconds(2));
        RolloutDecision d = Tick(r, reports);

        Assert.Equal(RolloutState.Paused, d.Rollout.State);
        Assert.Equal("running -> paused: inconclusive at shadow: only 0 of 2 devices reported ≥ 1000 samples (at least 2 needed)", d.Transitions.Select(t => $"{t.From} -> {t.To}: {t.Reason}").Single());
        Assert.Equal(["shadow", "shadow"], RolloutSamples.Modes(d.Rollout).Values); // paused: devices keep what they were asked
        Assert.False(Tick(d.Rollout, reports).Changed);
    }

    [Fact]
    public void AStageNeedingApproval_PausesBeforeAskingAnything_UntilPromoted()
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.Canary(2, 5, new RolloutStage(100, 5, true)), "ops", _time.GetUtcNow()).Rollout;
        _time.Advance(TimeSpan.FromSeconds(6));

        Rollout waiting = Tick(r, RolloutSamples.All(r, RolloutProgress.ShadowPhase)).Rollout;
        Assert.Equal((RolloutState.Paused, true, RolloutStep.Stage), (waiting.State, waiting.AwaitingApproval, waiting.Step));
        Assert.Equal(["shadow", "shadow"], RolloutSamples.Modes(waiting).Values);
        Assert.Equal("stage 1 (100%) awaits approval: promote it to go on", RolloutDecider.Command(waiting, RolloutAction.Resume, "ops", _time.GetUtcNow()).Problem);

        RolloutDecision promoted = RolloutDecider.Command(waiting, RolloutAction.Promote, "alice", _time.GetUtcNow());
        Assert.Equal((RolloutState.Running, false), (promoted.Rollout.State, promoted.Rollout.AwaitingApproval));
        Assert.Equal("paused -> stage 1 (100%): approved: promote by alice", promoted.Transitions.Select(t => $"{t.From} -> {t.To}: {t.Reason}").Single());
        Assert.Equal(["active", "active"], RolloutSamples.Modes(promoted.Rollout).Values);
    }

    [Fact]
    public void BlueGreen_PreloadsUntilEveryDeviceIsReady_ThenSwitchesAll()
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.BlueGreen(2), "ops", _time.GetUtcNow()).Rollout;
        Assert.Equal(["staged", "staged"], RolloutSamples.Modes(r).Values);
        var oneReady = new Dictionary<string, RolloutDeviceReport> { ["d0"] = RolloutSamples.Report(RolloutProgress.Verified, samples: 0, agreement: null) };

        Assert.False(Tick(r, oneReady).Changed);
        oneReady["d1"] = RolloutSamples.Report(RolloutProgress.Verified, samples: 0, agreement: null);
        RolloutDecision d = Tick(r, oneReady);

        Assert.Equal(RolloutStep.Switch, d.Rollout.Step);
        Assert.Equal(["active", "active"], RolloutSamples.Modes(d.Rollout).Values);
    }

    [Fact]
    public void Abort_StopsShadowsAndBaselines_ButLeavesServingDevicesServing()
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.Canary(4, 0), "ops", _time.GetUtcNow()).Rollout;
        Assert.Equal(["active", "active", "baseline", "baseline"], RolloutSamples.Modes(r).Values);

        RolloutDecision d = RolloutDecider.Command(r, RolloutAction.Abort, "bob", _time.GetUtcNow());

        Assert.Equal(RolloutState.Aborted, d.Rollout.State);
        Assert.Equal(["active", "active", "cancelled", "cancelled"], RolloutSamples.Modes(d.Rollout).Values);
        Assert.Equal("cannot pause a rollout that is aborted", RolloutDecider.Command(d.Rollout, RolloutAction.Pause, "bob", _time.GetUtcNow()).Problem);
    }
}
