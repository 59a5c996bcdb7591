using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>Canary stages gated on labelled quality: they wait for people's labels, then pass or roll back.</summary>
public sealed class QualityGateTests
{
    private static readonly RolloutGates s_gates = new() { MinDevices = 1, MinSamples = 1, MinPrecision = 0.8, MinLabels = 3 };
    private readonly FakeTimeProvider _time = new(RolloutSamples.Start);

    [Fact]
    public void Evaluate_WaitsForLabels_ThenJudgesPrecisionAndFalseAccepts()
    {
        Assert.Equal(GateOutcome.Inconclusive, QualityGate.Evaluate(s_gates, null).Outcome);
        GateResult two = QualityGate.Evaluate(s_gates, new StageQuality(2, 2, null));
        Assert.Equal((GateOutcome.Inconclusive, "waiting for labels: 2 of 3 detection clips from this stage's devices labelled"), (two.Outcome, two.Reason));

        GateResult good = QualityGate.Evaluate(s_gates, new StageQuality(5, 5, 0.2));
        Assert.Equal((GateOutcome.Pass, "labelled precision 1.00 (5/5, 95 % 0.57–1.00)"), (good.Outcome, good.Reason));

        GateResult bad = QualityGate.Evaluate(s_gates, new StageQuality(5, 2, 3));
        Assert.Equal((GateOutcome.Fail, "labelled precision 0.40 (2/5, 95 % 0.12–0.77) < 0.80"), (bad.Outcome, bad.Reason));

        RolloutGates fa = s_gates with { MinPrecision = 0, MaxFalseAcceptsPerHour = 1 };
        Assert.Equal(GateOutcome.Inconclusive, QualityGate.Evaluate(fa, new StageQuality(5, 4, null)).Outcome);
        Assert.Equal(GateOutcome.Fail, QualityGate.Evaluate(fa, new StageQuality(5, 4, 2.5)).Outcome);
        Assert.Equal(GateOutcome.Pass, QualityGate.Evaluate(fa, new StageQuality(5, 4, 0.5)).Outcome);
        Assert.Equal(GateOutcome.Pass, QualityGate.Evaluate(s_gates with { MinPrecision = 0 }, null).Outcome); // no quality gate
    }

    [Fact]
    public void ACanaryStage_WaitsForLabelsPastItsBake_ThenPasses()
    {
        Rollout r = Started();
        Assert.True(RolloutDecider.NeedsQuality(r, out IReadOnlyList<string> scope));
        Assert.Equal(["d0"], scope); // stage 1 (50 %) of two devices

        _time.Advance(TimeSpan.FromSeconds(600)); // far past the bake and the device deadline: people take longer
        Dictionary<string, RolloutDeviceReport> serving = RolloutSamples.All(r, RolloutProgress.ActivePhase);
        Assert.False(RolloutDecider.Tick(r, serving, _time.GetUtcNow(), new StageQuality(1, 1, null)).Changed);

        RolloutDecision passed = RolloutDecider.Tick(r, serving, _time.GetUtcNow(), new StageQuality(4, 4, null));
        Assert.Equal((RolloutStep.Stage, 1), (passed.Rollout.Step, passed.Rollout.Stage));
        Assert.EndsWith("labelled precision 1.00 (4/4, 95 % 0.51–1.00)", passed.Transitions.Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ACanaryStage_WithBadLabels_RollsBack_AndWithoutLabelsForLong_Pauses()
    {
        Rollout r = Started();
        _time.Advance(TimeSpan.FromSeconds(30));
        Dictionary<string, RolloutDeviceReport> serving = RolloutSamples.All(r, RolloutProgress.ActivePhase);

        RolloutDecision bad = RolloutDecider.Tick(r, serving, _time.GetUtcNow(), new StageQuality(4, 1, null));
        Assert.Equal(RolloutState.RolledBack, bad.Rollout.State);
        Assert.Equal("gate failed at stage 1 (50%): labelled precision 0.25 (1/4, 95 % 0.05–0.70) < 0.80", bad.Transitions.Single().Reason);

        _time.Advance(TimeSpan.FromSeconds(s_gates.LabelWaitSeconds));
        RolloutDecision idle = RolloutDecider.Tick(r, serving, _time.GetUtcNow(), new StageQuality(0, 0, null));
        Assert.Equal(RolloutState.Paused, idle.Rollout.State);
        Assert.Contains("waiting for labels: 0 of 3", idle.Transitions.Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TheShadowStep_IsNotGatedOnLabels()
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.Canary(2) with { Gates = s_gates }, "ops", _time.GetUtcNow()).Rollout;
        Assert.False(RolloutDecider.NeedsQuality(r, out _));
        _time.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal(RolloutStep.Stage, RolloutDecider.Tick(r, RolloutSamples.All(r, RolloutProgress.ShadowPhase), _time.GetUtcNow()).Rollout.Step);
    }

    /// <summary>A two-device canary without shadow, in its first stage (50 %: d0 serves the candidate).</summary>
    private Rollout Started() =>
        RolloutDecider.Start(RolloutSamples.Canary(2, 0) with { Gates = s_gates }, "ops", _time.GetUtcNow()).Rollout;
}
