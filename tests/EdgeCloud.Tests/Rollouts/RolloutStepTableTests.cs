using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>Each strategy's table: its rows in order, the mode each row asks of every targeted device, its evidence and gate.</summary>
public sealed class RolloutStepTableTests
{
    private static string Row(Rollout r, RolloutStepSpec s) =>
        $"{s.Label}: {string.Join(" ", r.Devices.Select(s.ModeOf))} <- {string.Join("|", s.Evidence)} after {s.WaitSeconds} s{(s.Gate is null ? ", every device answered" : "")}";

    [Fact]
    public void Canary_ShadowsEverywhere_ThenEachStageServesItsPrefix_WhileTheOthersServeTheirBaseline_ThenCommitsTheLastStage()
    {
        Rollout r = RolloutSamples.Canary(4, 20, new(50, 10, false), new(100, 15, true));

        Assert.Equal(
            [
                "shadow: shadow shadow shadow shadow <- SHADOW after 20 s",
                "stage 1 (50%): active active baseline baseline <- ACTIVE|COMMITTED after 10 s",
                "stage 2 (100%): active active active active <- ACTIVE|COMMITTED after 15 s",
                "commit: committed committed committed committed <- COMMITTED after 0 s, every device answered",
            ],
            RolloutStepTable.For(r).Select(s => Row(r, s)));
        Assert.Equal([false, false, true, false], RolloutStepTable.For(r).Select(s => s.RequiresApproval));
        Assert.Equal([true, false, false, false], RolloutStepTable.For(r).Select(s => s.ComparesWithLive));
    }

    [Fact]
    public void Canary_WithoutShadow_AndALastStageBelow100_CommitsOnlyThatStage_AndKeepsTheRestOnBaseline()
    {
        Rollout r = RolloutSamples.Canary(3, 0, new(10, 5, false), new(60, 5, false));

        Assert.Equal(
            [
                "stage 1 (10%): active baseline baseline <- ACTIVE|COMMITTED after 5 s", // at least one device
                "stage 2 (60%): active active baseline <- ACTIVE|COMMITTED after 5 s", // ⌈3 · 0.6⌉ = 2
                "commit: committed committed baseline <- COMMITTED after 0 s, every device answered",
            ],
            RolloutStepTable.For(r).Select(s => Row(r, s)));
    }

    [Fact]
    public void BlueGreen_PreloadsEverywhere_JudgedOnReadinessAlone_ThenSwitchesAll_ThenCommits()
    {
        Rollout r = RolloutSamples.BlueGreen(2);

        IReadOnlyList<RolloutStepSpec> table = RolloutStepTable.For(r);
        Assert.Equal(
            [
                "preload: staged staged <- VERIFIED after 0 s",
                "switch: active active <- ACTIVE|COMMITTED after 5 s",
                "commit: committed committed <- COMMITTED after 0 s, every device answered",
            ],
            table.Select(s => Row(r, s)));
        Assert.Equal((0L, 0.0, 0.0), (table[0].Gate!.MinSamples, table[0].Gate!.MinAgreement, table[0].Gate!.MaxP95Ms));
        Assert.Equal(r.Gates, table[1].Gate);
    }

    [Fact]
    public void BlueGreen_WithShadowSeconds_ShadowsFirst()
    {
        Rollout r = RolloutSamples.BlueGreen(2) with { ShadowSeconds = 8 };

        Assert.Equal([RolloutStep.Shadow, RolloutStep.Preload, RolloutStep.Switch, RolloutStep.Commit], RolloutStepTable.For(r).Select(s => s.Step));
    }

    [Fact]
    public void Shadow_IsOneRow_AndEndsCompleted()
    {
        Rollout r = RolloutSamples.ShadowOnly(2);

        Assert.Equal(["shadow: shadow shadow <- SHADOW after 30 s"], RolloutStepTable.For(r).Select(s => Row(r, s)));
        Assert.Null(RolloutStepTable.Next(r, RolloutStep.Shadow, 0));
    }

    [Theory]
    [InlineData(RolloutState.Completed, DesiredModel.Committed, DesiredModel.Committed)]
    [InlineData(RolloutState.Completed, DesiredModel.Shadow, DesiredModel.Cancelled)] // a shadow-only rollout ends unloading the candidate
    [InlineData(RolloutState.Completed, DesiredModel.Baseline, DesiredModel.Cancelled)]
    [InlineData(RolloutState.Aborted, DesiredModel.Shadow, DesiredModel.Cancelled)]
    [InlineData(RolloutState.Aborted, DesiredModel.Staged, DesiredModel.Cancelled)]
    [InlineData(RolloutState.Aborted, DesiredModel.Baseline, DesiredModel.Cancelled)]
    [InlineData(RolloutState.Aborted, DesiredModel.Active, DesiredModel.Active)] // switched devices keep it: roll back to undo
    [InlineData(RolloutState.RolledBack, DesiredModel.Active, DesiredModel.RolledBack)]
    [InlineData(RolloutState.RolledBack, DesiredModel.Committed, DesiredModel.RolledBack)]
    [InlineData(RolloutState.RolledBack, DesiredModel.Shadow, DesiredModel.RolledBack)]
    [InlineData(RolloutState.RolledBack, DesiredModel.Baseline, DesiredModel.Cancelled)] // it never held the candidate
    [InlineData(RolloutState.RolledBack, DesiredModel.Cancelled, DesiredModel.Cancelled)]
    [InlineData(RolloutState.RolledBack, null, null)]
    public void WhatEachDeviceKeeps_OnceTheRolloutEnds(RolloutState end, string? asked, string? kept) =>
        Assert.Equal(kept, RolloutStepTable.FinalMode(end, asked));
}
