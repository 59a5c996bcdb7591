using EdgeAgent.Contracts;
using EdgeCloud.Quality;
using EdgeCloud.Rollouts;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>A canary stage gated on labels: it waits for people, then passes or rolls back.</summary>
public sealed class LabelledGateTests
{
    private readonly FakeTimeProvider _time = new(RolloutSamples.Start);

    [Fact]
    public void ACanaryStage_WaitsForLabelsPastTheDeviceDeadline_ThenPasses()
    {
        Rollout r = AtStageOne(new RolloutGates { MinDevices = 1, MinSamples = 1, MinPrecision = 0.8, MinLabelled = 5 });
        Dictionary<string, RolloutDeviceReport> serving = RolloutSamples.All(r, RolloutProgress.ActivePhase);

        _time.Advance(TimeSpan.FromSeconds(10 + r.DeviceDeadlineSeconds + 3600)); // baked, devices healthy, an hour of nobody labelling
        RolloutDecision waiting = RolloutDecider.Tick(r, serving, _time.GetUtcNow(), Row(labelled: 3, correct: 3));
        Assert.False(waiting.Changed);
        Assert.Equal((RolloutState.Running, RolloutStep.Stage, 0), (waiting.Rollout.State, waiting.Rollout.Step, waiting.Rollout.Stage));
        Assert.Equal(GateOutcome.Inconclusive, LabelledGate.Evaluate(r.Gates, null).Outcome);
        Assert.Contains("waiting for labels: 3 of 5", LabelledGate.Evaluate(r.Gates, Row(3, 3)).Reason);

        RolloutDecision passed = RolloutDecider.Tick(r, serving, _time.GetUtcNow(), Row(labelled: 6, correct: 5));
        Assert.Equal((RolloutStep.Stage, 1), (passed.Rollout.Step, passed.Rollout.Stage));
        Assert.Contains("labelled precision 0.833", passed.Rollout.History[^1].Reason);
    }

    [Fact]
    public void ACanaryStage_WhoseLabelledPrecisionIsTooLow_RollsBack()
    {
        Rollout r = AtStageOne(new RolloutGates { MinDevices = 1, MinSamples = 1, MinPrecision = 0.8, MinLabelled = 5 });
        _time.Advance(TimeSpan.FromSeconds(11));

        RolloutDecision d = RolloutDecider.Tick(r, RolloutSamples.All(r, RolloutProgress.ActivePhase), _time.GetUtcNow(), Row(labelled: 10, correct: 4));

        Assert.Equal(RolloutState.RolledBack, d.Rollout.State);
        Assert.Contains("labelled gate failed at stage 1 (50%): labelled precision 0.4", d.Rollout.History[^1].Reason);
    }

    [Fact]
    public void ACanaryStage_WithTooManyFalseAcceptsPerHour_RollsBack_AndWithoutAudioHoursWaits()
    {
        Rollout r = AtStageOne(new RolloutGates { MinDevices = 1, MinSamples = 1, MaxFalseAcceptsPerHour = 1, MinLabelled = 5 });
        _time.Advance(TimeSpan.FromSeconds(11));
        Dictionary<string, RolloutDeviceReport> serving = RolloutSamples.All(r, RolloutProgress.ActivePhase);

        Assert.False(RolloutDecider.Tick(r, serving, _time.GetUtcNow(), Row(10, 9, falseAcceptsPerHour: null)).Changed);
        RolloutDecision d = RolloutDecider.Tick(r, serving, _time.GetUtcNow(), Row(10, 9, falseAcceptsPerHour: 2.5));

        Assert.Equal(RolloutState.RolledBack, d.Rollout.State);
        Assert.Contains("2.5 false accepts per hour > 1", d.Rollout.History[^1].Reason);
    }

    [Fact]
    public void Request_LabelledGates_AreValidated_AndOnlyForCanaries()
    {
        var bad = new RolloutRequest
        {
            Model = "hey_jarvis", Version = "2", Strategy = "blue-green", Target = System.Text.Json.JsonDocument.Parse("\"all\"").RootElement,
            Gates = new RolloutGates { MinPrecision = 1.5, MaxFalseAcceptsPerHour = -1, MinLabelled = 0 },
        };

        List<string> problems = bad.Problems(out _);

        Assert.Contains("gates: minPrecision within 0–1, maxFalseAcceptsPerHour ≥ 0, minLabelled ≥ 1", problems);
        Assert.Contains(problems, p => p.StartsWith("gates.minPrecision and gates.maxFalseAcceptsPerHour apply to canary stages", StringComparison.Ordinal));
    }

    /// <summary>The README canary past its shadow, in stage 1 (50 %: d0 and d1), with <paramref name="gates"/>.</summary>
    private Rollout AtStageOne(RolloutGates gates)
    {
        Rollout r = RolloutDecider.Start(RolloutSamples.Canary(4) with { Model = "hey_jarvis", Version = "2", Kind = ModelPackageManifest.Keyword, Gates = gates }, "ops", _time.GetUtcNow()).Rollout;
        _time.Advance(TimeSpan.FromSeconds(21));
        r = RolloutDecider.Tick(r, RolloutSamples.All(r, RolloutProgress.ShadowPhase), _time.GetUtcNow()).Rollout;
        Assert.Equal((RolloutStep.Stage, 0), (r.Step, r.Stage));
        return r;
    }

    private static QualityRow Row(long labelled, long correct, double? falseAcceptsPerHour = 0)
    {
        Proportion p = Proportion.Wilson(correct, labelled);
        return new QualityRow
        {
            Group = QualityCalculator.AllDevices, Model = "hey_jarvis", Version = "2", LabelledDetections = labelled, CorrectDetections = correct,
            Precision = p.Estimate, PrecisionLow = p.Low, PrecisionHigh = p.High, FalseAcceptsPerHour = falseAcceptsPerHour,
        };
    }
}
