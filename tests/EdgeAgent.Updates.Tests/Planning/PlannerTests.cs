using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Planning;
using EdgeAgent.Updates.Runtime;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates.Tests.Planning;

/// <summary>The planner as a table: desired state, intents and current state in, the plan out (pure: no disk, no runtime).</summary>
public sealed class PlannerTests
{
    private const string Vad = "silero_vad";
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string> Cases => new()
    {
        { "shadow, not installed", "Download silero_vad@v6; Verify silero_vad@v6; StartShadow silero_vad@v6; Acknowledge *" },
        { "shadow, installed", "Verify silero_vad@v6; StartShadow silero_vad@v6; Acknowledge *" },
        { "shadow, already shadowing", "Report silero_vad@v6 SHADOW; Acknowledge *" },
        { "shadow, step applied", "" },
        { "staged", "Verify silero_vad@v6; Preload silero_vad@v6; Acknowledge *" },
        { "staged, shadowing", "Verify silero_vad@v6; StopShadow silero_vad@v6; Preload silero_vad@v6; Acknowledge *" },
        { "active, shadowing", "Verify silero_vad@v6; StopShadow silero_vad@v6; Activate silero_vad@v6; Acknowledge *" },
        { "active, serving it already", "Report silero_vad@v6 ACTIVE; Acknowledge *" },
        { "committed, active", "Commit silero_vad@v6; Acknowledge *" },
        { "committed, not active", "Verify silero_vad@v6; Activate silero_vad@v6; Commit silero_vad@v6; Acknowledge *" },
        { "committed, went back from it", "Report silero_vad@v6 FAILED; Acknowledge *" },
        { "rolled-back, serving the candidate", "RollBack silero_vad@v5; Acknowledge *" },
        { "rolled-back, shadowing", "Drop silero_vad@v6; Acknowledge *" },
        { "cancelled, serving the candidate", "Acknowledge *" },
        { "baseline, shadowing", "Drop silero_vad@v6; Acknowledge *" },
        { "absent, shadowing", "Drop silero_vad@v6; Acknowledge *" },
        { "no desired state yet, shadowing", "" },
        { "pinned", "Report silero_vad@v6 REJECTED; Acknowledge *" },
        { "intent rollback", "RollBack silero_vad@v5" },
        { "intent pin", "ApplyIntent silero_vad@v5" },
        { "intent rollback without previous", "ApplyIntent silero_vad" },
        { "start, on probation", "CountProbationStart silero_vad" },
        { "start, on probation, last start", "RollBack silero_vad@v5" },
        { "start, active unusable", "RollBack silero_vad@v5" },
        { "slots serve another version", "SwitchLive silero_vad@v5" },
        { "candidate shadow not running", "StartShadow silero_vad@v6" },
        { "on probation, previous not beside it", "StartShadow silero_vad@v5" },
        { "probation failed", "RollBack silero_vad@v5" },
        { "probation passed", "Report silero_vad@v6 ACTIVE; EndProbation silero_vad@v6" },
        { "compare shadow after probation", "StopShadow silero_vad@v5" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan(string @case, string expected)
    {
        Plan plan = Planner.Plan(Inputs(@case));

        Assert.Equal(expected, string.Join("; ", plan.Commands.Select(Describe)));
    }

    [Fact]
    public void NothingButARollBackCommand_IsEverAboutRollingBack()
    {
        foreach (string @case in Cases.Select(c => c.Data.Item1))
        {
            foreach (ModelCommand command in Planner.Plan(Inputs(@case)).Commands)
            {
                Assert.False(command.Kind != CommandKind.RollBack && command.Phase == RolloutProgress.RolledBackPhase, $"{@case}: {command}");
            }
        }
    }

    private static string Describe(ModelCommand c) =>
        $"{c.Kind} {c.Name}{(c.Version is null ? "" : "@" + c.Version)}{(c.Phase is null ? "" : " " + c.Phase)}";

    private static ReconcileInputs Inputs(string @case)
    {
        ModelSlot serving5 = new() { Active = "v5" };
        ModelSlot serving6 = new() { Active = "v6", Previous = "v5", RolloutId = "ro-1" };
        ModelSlot probation = serving6 with { ProbationUntil = s_now.AddMinutes(5) };
        ModelSlot shadowing = serving5 with { Candidate = "v6", CandidateMode = ModelSlot.ShadowMode, RolloutId = "ro-1" };
        ShadowView candidateShadow = new(Vad, "v6", "ro-1", false, new CandidateHealth(50, 0.99));
        ShadowView previousBeside = new(Vad, "v5", null, false, new CandidateHealth(400, 0.99));
        bool installed6 = @case != "shadow, not installed";

        (string mode, ModelSlot slot, string served, ShadowView? shadow, bool? desired) = @case switch
        {
            "shadow, not installed" or "shadow, installed" => (DesiredModel.Shadow, serving5, "v5", (ShadowView?)null, (bool?)true),
            "shadow, already shadowing" => (DesiredModel.Shadow, shadowing, "v5", candidateShadow, true),
            "shadow, step applied" => (DesiredModel.Shadow, shadowing, "v5", candidateShadow, true),
            "staged" => (DesiredModel.Staged, serving5, "v5", null, true),
            "staged, shadowing" => (DesiredModel.Staged, shadowing, "v5", candidateShadow, true),
            "active, shadowing" => (DesiredModel.Active, shadowing, "v5", candidateShadow, true),
            "active, serving it already" => (DesiredModel.Active, serving6, "v6", null, true),
            "committed, active" => (DesiredModel.Committed, probation, "v6", previousBeside, true),
            "committed, not active" => (DesiredModel.Committed, serving5, "v5", null, true),
            "committed, went back from it" => (DesiredModel.Committed, serving5 with { Previous = "v6", RolloutId = "ro-1", LastChange = "agent: probation failed" }, "v5", null, true),
            "rolled-back, serving the candidate" => (DesiredModel.RolledBack, serving6, "v6", null, true),
            "rolled-back, shadowing" or "baseline, shadowing" => (@case.StartsWith("baseline", StringComparison.Ordinal) ? DesiredModel.Baseline : DesiredModel.RolledBack, shadowing, "v5", candidateShadow, true),
            "cancelled, serving the candidate" => (DesiredModel.Cancelled, serving6, "v6", null, true),
            "absent, shadowing" => (DesiredModel.Shadow, shadowing, "v5", candidateShadow, false),
            "no desired state yet, shadowing" => (DesiredModel.Shadow, shadowing, "v5", candidateShadow, null),
            "pinned" => (DesiredModel.Active, serving5 with { Pinned = "v5" }, "v5", null, true),
            "intent rollback" or "intent pin" => (DesiredModel.Active, serving6, "v6", null, null),
            "intent rollback without previous" => (DesiredModel.Active, serving5, "v5", null, null),
            "start, on probation" => (DesiredModel.Active, probation, "", null, null),
            "start, on probation, last start" => (DesiredModel.Active, probation with { ProbationStarts = 1 }, "", null, null),
            "start, active unusable" => (DesiredModel.Active, serving6, "", null, null),
            "slots serve another version" => (DesiredModel.Active, serving5 with { Previous = "v6" }, "v6", null, null),
            "candidate shadow not running" => (DesiredModel.Shadow, shadowing, "v5", null, null),
            "on probation, previous not beside it" => (DesiredModel.Active, probation, "v6", null, null),
            "probation failed" => (DesiredModel.Active, probation, "v6", previousBeside with { Health = new CandidateHealth(400, 0.5) }, null),
            "probation passed" => (DesiredModel.Active, probation with { ProbationUntil = s_now.AddSeconds(-1) }, "v6", previousBeside, null),
            "compare shadow after probation" => (DesiredModel.Active, serving6, "v6", previousBeside, null),
            _ => throw new ArgumentException(@case),
        };

        DesiredModel want = new() { RolloutId = "ro-1", Name = Vad, Version = "v6", Mode = mode, Fallback = "v5" };
        var slots = new SlotsDocument { AppliedVersion = @case == "shadow, step applied" ? 7 : 6 }.With(Vad, slot);
        if (@case == "shadow, step applied")
        {
            slots = slots with { Applied = new Dictionary<string, string> { [Vad] = "ro-1/shadow" } };
        }

        var runtime = served.Length == 0
            ? RuntimeView.NotStarted
            : new RuntimeView(true, new Dictionary<string, string> { [Vad] = served }, Vad, shadow, null, [], new HealthSnapshot(1000, 0.3, 0, 1));
        List<TechnicianIntent> intents = @case switch
        {
            "intent rollback" or "intent rollback without previous" => [new TechnicianIntent { Seq = 1, Kind = IntentKind.Rollback, Name = Vad, By = "edgectl models rollback" }],
            "intent pin" => [new TechnicianIntent { Seq = 1, Kind = IntentKind.Pin, Name = Vad, Version = "v5", By = "edgectl models pin" }],
            _ => [],
        };
        var verdicts = new Dictionary<string, ProbationVerdict>();
        if (slot.ProbationUntil is not null && runtime.Started)
        {
            verdicts[Vad] = Probation.Judge(Vad, slot with { ProbationMinAgreement = 0.8 }, runtime, null);
        }

        return new ReconcileInputs
        {
            Desired = desired switch
            {
                true => new DesiredState { Version = 7, Models = [want] },
                false => new DesiredState { Version = 7, Models = [] },
                null => null,
            },
            Intents = intents,
            Slots = slots,
            Runtime = runtime,
            Installed = new[] { "v5", "v6" }.Where(v => v == "v5" || installed6).Select(v => new ModelManifest { Name = Vad, Version = v, Kind = ModelKind.Vad, Sha256 = "", Inputs = [], Outputs = [] }).ToList(),
            Unusable = @case == "start, active unusable" ? new Dictionary<string, string> { [$"{Vad}@v6"] = "sha256 mismatch" } : new Dictionary<string, string>(),
            Verdicts = verdicts,
            WatchDue = @case.StartsWith("probation", StringComparison.Ordinal),
            CountStart = true,
            MaxProbationStarts = 2,
            Now = s_now,
        };
    }
}
