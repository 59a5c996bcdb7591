using EdgeAgent.Contracts;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Planning;
using EdgeAgent.Updates.Running;
using EdgeAgent.Updates.Runtime;
using EdgeAgent.Updates.Slots;
using EdgeAgent.Updates.Tests.Runtime;
using static EdgeAgent.Updates.Tests.Runtime.FakeDevice;

namespace EdgeAgent.Updates.Tests.Running;

/// <summary>Planner, runner and slots together on a real store, with a fake runtime and registry.</summary>
public sealed class ReconcilerTests
{
    [Fact]
    public async Task ACanary_ShadowActiveCommit_ReportsEachStep_IsIdempotent_AndNeverReportsRolledBack()
    {
        FakeDevice device = await new FakeDevice().StartAsync();

        Assert.Equal(["Download silero_vad", "Verify silero_vad", "StartShadow silero_vad", "Acknowledge *"], await device.SettleAsync(Desired(1, Want(DesiredModel.Shadow))));
        Assert.Equal(("v6", ModelSlot.ShadowMode), (device.Slots.For(Vad)!.Candidate, device.Slots.For(Vad)!.CandidateMode));

        List<string> activate = await device.SettleAsync(Desired(2, Want(DesiredModel.Active)));
        Assert.Equal(["Verify silero_vad", "StopShadow silero_vad", "Activate silero_vad", "Acknowledge *", "StartShadow silero_vad"], activate); // then the previous model beside it
        Assert.Equal("v6", device.Runtime.View().ServingVersion(Vad));
        Assert.Equal(new ShadowView(Vad, "v5", null, false, new CandidateHealth(0)), device.Runtime.View().Shadow);

        // The retained desired state comes again on every connection: nothing to do.
        for (int i = 0; i < 3; i++)
        {
            Assert.Empty(await device.SettleAsync(Desired(2, Want(DesiredModel.Active))));
        }

        Assert.Equal(["Commit silero_vad", "Acknowledge *", "StopShadow silero_vad"], await device.SettleAsync(Desired(3, Want(DesiredModel.Committed))));
        ModelSlot slot = device.Slots.For(Vad)!;
        Assert.Equal(("v6", "v5", (DateTimeOffset?)null), (slot.Active, slot.Previous, slot.ProbationUntil));
        Assert.Equal(3, device.Sink.Reported[^1].AppliedVersion);
        Assert.DoesNotContain(RolloutProgress.RolledBackPhase, device.Sink.Phases);
        Assert.Equal(
            [RolloutProgress.Downloading, RolloutProgress.Verified, RolloutProgress.ShadowPhase, RolloutProgress.ActivePhase, RolloutProgress.CommittedPhase],
            device.Sink.Phases.Distinct());
        Assert.Equal(["silero_vad v5 -> v6"], device.Runtime.Switches);
    }

    [Fact]
    public async Task TheFirstTickAfterStart_ReportsWhatServes_EvenWithNothingToDo_AndAnOfferReportsAgain()
    {
        FakeDevice device = await new FakeDevice().StartAsync();

        Assert.True((await device.TickAsync()).Plan.IsEmpty);
        Assert.Equal(["silero_vad@v5 active", "hey_jarvis@0.1 active"], device.Sink.Reported.Single().Models.Select(m => $"{m.Name}@{m.Version} {m.Slot}"));
        await device.TickAsync();
        Assert.Single(device.Sink.Reported);

        // The cloud sends a version again until it is acknowledged: each offer is answered with the reported state.
        await device.SettleAsync(Desired(4));
        device.Reconciler.Offer(Desired(4));
        await device.TickAsync();
        Assert.Equal([0, 4, 4], device.Sink.Reported.Select(r => r.AppliedVersion));
    }

    [Fact]
    public async Task AFailedLiveSwitch_PutsTheSlotsBack_ReportsFailed_NotRolledBack_AndTheOtherModelGoesOn()
    {
        FakeDevice device = await new FakeDevice().StartAsync();
        device.Runtime.Unloadable.Add($"{Vad}@v6");

        await device.SettleAsync(Desired(1, Want(DesiredModel.Active), Want(DesiredModel.Shadow, Head, "0.2", "ro-2", "0.1")));

        Assert.Equal("v5", device.Slots.For(Vad)!.Active);
        Assert.Null(device.Slots.For(Vad)!.ProbationUntil);
        Assert.Equal("v5", device.Runtime.View().ServingVersion(Vad));
        RolloutProgress failed = device.Sink.Progress.Single(p => p.RolloutId == "ro-1" && p.Phase == RolloutProgress.Failed);
        Assert.Contains("the candidate does not load", failed.Reason);
        Assert.DoesNotContain(RolloutProgress.RolledBackPhase, device.Sink.Phases);
        Assert.Equal((Head, "0.2", "ro-2"), (device.Runtime.View().Shadow!.Name, device.Runtime.View().Shadow!.Version, device.Runtime.View().Shadow!.RolloutId));
        Assert.Equal(1, device.Sink.Reported[^1].AppliedVersion);
    }

    [Fact]
    public async Task AFailedProbation_RollsBackOnce_WithTheReason_AndTheSameDesiredStateDoesNotActivateAgain()
    {
        FakeDevice device = await new FakeDevice().StartAsync();
        await device.SettleAsync(Desired(1, Want(DesiredModel.Active)));
        device.Runtime.Live = new HealthSnapshot(500, 0.3, 5, 1.0);
        device.Time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(["RollBack silero_vad"], (await device.SettleAsync()).Take(1));

        RolloutProgress back = device.Sink.Progress.Single(p => p.Phase == RolloutProgress.RolledBackPhase);
        Assert.Equal(("ro-1", "v6"), (back.RolloutId, back.Version));
        Assert.Contains("agent: probation failed: the pipeline failed on 5 frames", back.Reason);
        Assert.Equal("v5", device.Runtime.View().ServingVersion(Vad));
        Assert.Empty(await device.SettleAsync(Desired(1, Want(DesiredModel.Active))));
        Assert.Single(device.Sink.Progress, p => p.Phase == RolloutProgress.RolledBackPhase);
    }

    [Fact]
    public async Task ATechniciansRollback_IsAnIntent_AppliedOnce_ReportedToTheRolloutThatPutTheModelThere()
    {
        FakeDevice device = await new FakeDevice().StartAsync();
        await device.SettleAsync(Desired(1, Want(DesiredModel.Active)));
        await device.SettleAsync(Desired(2, Want(DesiredModel.Committed)));

        IntentQueue.Add(device.Root, new TechnicianIntent { Kind = IntentKind.Rollback, Name = Vad, By = "edgectl models rollback" });
        Assert.Equal("RollBack silero_vad", (await device.SettleAsync())[0]);

        Assert.Equal("v5", device.Runtime.View().ServingVersion(Vad));
        RolloutProgress back = device.Sink.Progress.Single(p => p.Phase == RolloutProgress.RolledBackPhase);
        Assert.Equal(("ro-1", "edgectl models rollback: rolled back from v6 to v5"), (back.RolloutId, back.Reason));
        Assert.Equal(1, device.Slots.LastIntentSeq);
        Assert.Empty(Directory.GetFiles(IntentQueue.DirIn(device.Root), "*.json"));
        Assert.Empty(await device.SettleAsync(Desired(2, Want(DesiredModel.Committed))));
    }

    [Fact]
    public async Task AnIntentWrittenWhileNoAgentRuns_TakesEffectAtTheNextStart_BeforeTheModelsLoad()
    {
        FakeDevice device = await new FakeDevice().StartAsync();
        await device.SettleAsync(Desired(1, Want(DesiredModel.Active)));
        IntentQueue.Add(device.Root, new TechnicianIntent { Kind = IntentKind.Rollback, Name = Vad, By = "edgectl models rollback" });

        FakeDevice restarted = await device.Restart().StartAsync();

        Assert.Equal("v5", restarted.Runtime.View().ServingVersion(Vad)); // loaded so: no switch at all
        Assert.Empty(restarted.Runtime.Switches);
        Assert.Single(restarted.Sink.Progress, p => p.Phase == RolloutProgress.RolledBackPhase && p.Reason!.Contains("edgectl models rollback"));
    }

    [Fact]
    public async Task APinnedName_RefusesRollouts_WithTheReason_AndKeepsServingThePin()
    {
        FakeDevice device = await new FakeDevice().StartAsync();
        IntentQueue.Add(device.Root, new TechnicianIntent { Kind = IntentKind.Pin, Name = Vad, Version = "v5", By = "edgectl models pin" });
        await device.SettleAsync();

        await device.SettleAsync(Desired(1, Want(DesiredModel.Active)));

        RolloutProgress refused = device.Sink.Progress.Single();
        Assert.Equal(RolloutProgress.Rejected, refused.Phase);
        Assert.Contains("silero_vad is pinned to v5 by a technician", refused.Reason);
        Assert.Equal("v5", device.Runtime.View().ServingVersion(Vad));
        Assert.Equal(["silero_vad@v5"], device.Sink.Reported[^1].Pins);
    }

    [Fact]
    public async Task ACrashLoopOnProbation_GoesBackToThePreviousVersionAtStart()
    {
        FakeDevice device = await new FakeDevice().StartAsync();
        await device.SettleAsync(Desired(1, Want(DesiredModel.Active)));

        FakeDevice first = await device.Restart().StartAsync();
        Assert.Equal(("v6", 1), (first.Slots.For(Vad)!.Active, first.Slots.For(Vad)!.ProbationStarts));
        FakeDevice second = await first.Restart().StartAsync();

        Assert.Equal("v5", second.Runtime.View().ServingVersion(Vad));
        Assert.Contains("the agent restarted 2 times while silero_vad@v6 was on probation", second.Sink.Progress.Single(p => p.Phase == RolloutProgress.RolledBackPhase).Reason);
    }

    [Theory]
    [InlineData(Failpoint.AfterDownload)]
    [InlineData(Failpoint.AfterSlotSwitch)]
    [InlineData(Failpoint.AfterLiveSwitch)]
    [InlineData(Failpoint.AfterCommit)]
    public async Task AKillAtAnyStep_RestartsOnAValidModel_AndTheRolloutCompletes(string failpoint)
    {
        FakeDevice device = await new FakeDevice().StartAsync();
        device.CrashAt = failpoint;
        DesiredState active = Desired(1, Want(DesiredModel.Active));
        DesiredState committed = Desired(2, Want(DesiredModel.Committed));
        await Assert.ThrowsAsync<FailpointKill>(async () =>
        {
            await device.SettleAsync(active);
            await device.SettleAsync(committed);
        });

        FakeDevice restarted = await device.Restart().StartAsync();
        string serving = restarted.Runtime.View().ServingVersion(Vad)!;
        Assert.Equal(restarted.Slots.For(Vad)?.Serving ?? "v5", serving);
        await restarted.SettleAsync(active);
        await restarted.SettleAsync(committed);

        ModelSlot slot = restarted.Slots.For(Vad)!;
        Assert.Equal(("v6", "v5", (DateTimeOffset?)null), (slot.Active, slot.Previous, slot.ProbationUntil));
        Assert.Equal("v6", restarted.Runtime.View().ServingVersion(Vad));
        Assert.DoesNotContain(RolloutProgress.RolledBackPhase, device.Sink.Phases.Concat(restarted.Sink.Phases));
        Assert.Contains(RolloutProgress.CommittedPhase, device.Sink.Phases.Concat(restarted.Sink.Phases));
    }

    [Fact]
    public async Task BaselineOrAnAbsentName_DropsTheShadow_AndKeepsServing()
    {
        FakeDevice device = await new FakeDevice().StartAsync();
        await device.SettleAsync(Desired(1, Want(DesiredModel.Shadow), Want(DesiredModel.Shadow, Head, "0.2", "ro-2", "0.1")));
        Assert.NotNull(device.Runtime.View().Shadow);

        Assert.Equal(["Drop silero_vad", "Acknowledge *"], await device.SettleAsync(Desired(2, Want(DesiredModel.Baseline), Want(DesiredModel.Shadow, Head, "0.2", "ro-2", "0.1"))));
        Assert.Equal(["Drop hey_jarvis", "Acknowledge *"], await device.SettleAsync(Desired(3, Want(DesiredModel.Baseline))));

        Assert.Null(device.Runtime.View().Shadow);
        Assert.Null(device.Slots.For(Vad)!.Candidate);
        Assert.Null(device.Slots.For(Head)!.Candidate);
        Assert.Equal(("v5", "0.1"), (device.Runtime.View().ServingVersion(Vad), device.Runtime.View().ServingVersion(Head)));
        Assert.DoesNotContain(RolloutProgress.RolledBackPhase, device.Sink.Phases);
    }
}
