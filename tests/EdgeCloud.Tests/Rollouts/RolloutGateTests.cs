using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;

namespace EdgeCloud.Tests.Rollouts;

public sealed class RolloutGateTests
{
    private static readonly string[] s_shadow = [RolloutProgress.ShadowPhase];
    private static readonly RolloutGates s_gates = new() { MinDevices = 2, MinSamples = 100, MinAgreement = 0.9, MaxP95Ms = 5, MaxErrorRate = 0.25 };

    private static RolloutDeviceReport Shadow(long samples, double agreement, double p95 = 1) =>
        new(RolloutProgress.ShadowPhase, null, new CandidateHealth(samples, agreement, 0.01, p95), null, DateTimeOffset.UnixEpoch);

    [Fact]
    public void EnoughAgreeingDevices_Pass()
    {
        var reports = new Dictionary<string, RolloutDeviceReport> { ["a"] = Shadow(500, 0.95), ["b"] = Shadow(400, 0.97) };

        GateResult r = RolloutGate.Evaluate(s_gates, ["a", "b"], reports, s_shadow, shadow: true);

        Assert.Equal(GateResult.Passed, r.Outcome);
        Assert.Contains("agreement 0.96 over 2 devices, 900 samples", r.Reason);
    }

    [Fact]
    public void TooFewSamples_IsInconclusive_NeverAPass()
    {
        var reports = new Dictionary<string, RolloutDeviceReport> { ["a"] = Shadow(500, 0.95), ["b"] = Shadow(20, 0.97) };

        GateResult r = RolloutGate.Evaluate(s_gates, ["a", "b", "c"], reports, s_shadow, shadow: true);

        Assert.Equal(GateResult.Undecided, r.Outcome);
        Assert.Contains("only 1 of 3 devices reported ≥ 100 samples", r.Reason);
    }

    [Theory]
    [InlineData(0.5, 1, "shadow agreement 0.70 < 0.90")]
    [InlineData(0.95, 9, "p95 latency 9.00 ms on b > 5.00 ms")]
    public void LowAgreement_OrSlowCandidate_Fails(double agreementOfB, double p95OfB, string expected)
    {
        var reports = new Dictionary<string, RolloutDeviceReport> { ["a"] = Shadow(500, agreementOfB > 0.9 ? 0.95 : 0.9), ["b"] = Shadow(400, agreementOfB, p95OfB) };

        GateResult r = RolloutGate.Evaluate(s_gates, ["a", "b"], reports, s_shadow, shadow: true);

        Assert.Equal(GateResult.Failed, r.Outcome);
        Assert.Contains(expected, r.Reason);
    }

    [Fact]
    public void ScoresDriftingFromTheLiveModel_FailTheShiftGate()
    {
        var reports = new Dictionary<string, RolloutDeviceReport> { ["a"] = Shadow(500, 0.95), ["b"] = Shadow(400, 0.97) };

        GateResult r = RolloutGate.Evaluate(s_gates with { MaxScoreShift = 0.005 }, ["a", "b"], reports, s_shadow, shadow: true);

        Assert.Equal(GateResult.Failed, r.Outcome);
        Assert.Contains("shadow score shift 0.010 > 0.005", r.Reason);
    }

    [Fact]
    public void ServingDevices_AreJudgedOnTheirAgreementWithThePreviousModel_WhereTheyReportIt()
    {
        string[] active = [RolloutProgress.ActivePhase];
        static RolloutDeviceReport Active(double? agreement) =>
            new(RolloutProgress.ActivePhase, null, new CandidateHealth(900, agreement, agreement is null ? 0 : 0.02, 1), null, DateTimeOffset.UnixEpoch);

        var disagreeing = new Dictionary<string, RolloutDeviceReport> { ["a"] = Active(0.3), ["b"] = Active(null) };
        var uncompared = new Dictionary<string, RolloutDeviceReport> { ["a"] = Active(null), ["b"] = Active(null) };

        GateResult failed = RolloutGate.Evaluate(s_gates, ["a", "b"], disagreeing, active, shadow: false);
        GateResult waits = RolloutGate.Evaluate(s_gates, ["a", "b"], uncompared, active, shadow: false);
        GateResult passed = RolloutGate.Evaluate(s_gates with { MinAgreement = 0 }, ["a", "b"], uncompared, active, shadow: false);
        GateResult shifted = RolloutGate.Evaluate(s_gates with { MinAgreement = 0, MaxScoreShift = 0.01 }, ["a", "b"], disagreeing, active, shadow: false);

        Assert.Equal((GateResult.Failed, GateResult.Undecided, GateResult.Passed, GateResult.Failed), (failed.Outcome, waits.Outcome, passed.Outcome, shifted.Outcome));
        Assert.Contains("previous-model agreement 0.30 < 0.90 (a 0.30)", failed.Reason); // b ran no comparison and is not counted
        Assert.Contains("0 of 2 serving devices reported their agreement", waits.Reason); // minAgreement passes only on measured agreement
        Assert.Contains("previous-model score shift 0.020 > 0.010", shifted.Reason);
    }

    [Fact]
    public void FailedDevicesOverTheErrorRate_FailWithTheirReasons()
    {
        var reports = new Dictionary<string, RolloutDeviceReport>
        {
            ["a"] = Shadow(500, 0.95),
            ["b"] = new(RolloutProgress.Rejected, "signature does not verify", null, null, DateTimeOffset.UnixEpoch),
        };

        GateResult r = RolloutGate.Evaluate(s_gates, ["a", "b"], reports, s_shadow, shadow: true);

        Assert.Equal(GateResult.Failed, r.Outcome);
        Assert.Contains("error rate 1/2", r.Reason);
        Assert.Contains("b REJECTED: signature does not verify", r.Reason);
    }
}
