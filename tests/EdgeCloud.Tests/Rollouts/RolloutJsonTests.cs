using System.Text.Json;
using EdgeCloud.Rollouts;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>The typed state, step and strategy read rows stored before they were typed, and write the same strings (store and API).</summary>
public sealed class RolloutJsonTests
{
    // A row as the string-typed engine stored it.
    private const string Stored = """
        {"id":"ro-20261123151153-2ea963","model":"silero_vad","version":"v6","kind":"vad","strategy":"blue-green","stages":[{"percent":100,"bakeSeconds":3,"requireApproval":false}],
         "shadowSeconds":0,"gates":{"minDevices":2,"minSamples":10,"minAgreement":0,"maxP95Ms":0,"maxErrorRate":0,"maxScoreShift":0},"probationSeconds":300,"deviceDeadlineSeconds":60,
         "state":"rolled-back","step":"done","stage":0,"stepStartedAt":"2026-11-23T15:11:53+00:00","awaitingApproval":false,
         "devices":[{"deviceId":"gate-1","baseline":"v5","rank":0,"mode":"rolled-back","askedAt":"2026-11-23T15:12:03+00:00"}],
         "history":[{"at":"2026-11-23T15:11:53+00:00","from":"created","to":"preload","reason":"1 devices targeted by admin","by":"admin"}],
         "revision":4,"createdAt":"2026-11-23T15:11:53+00:00","createdBy":"admin"}
        """;

    [Fact]
    public void AStoredRow_ReadsTyped_AndIsWrittenBackWithTheSameStrings()
    {
        Rollout r = JsonSerializer.Deserialize(Stored, RolloutJsonContext.Default.Rollout)!;

        Assert.Equal((RolloutStrategy.BlueGreen, RolloutState.RolledBack, RolloutStep.Done, 4L), (r.Strategy, r.State, r.Step, r.Revision));
        JsonElement again = JsonDocument.Parse(JsonSerializer.Serialize(r, RolloutJsonContext.Default.Rollout)).RootElement;
        JsonElement before = JsonDocument.Parse(Stored).RootElement;
        foreach (string field in (string[])["strategy", "state", "step", "stage", "revision"])
        {
            Assert.Equal(before.GetProperty(field).GetRawText(), again.GetProperty(field).GetRawText());
        }
    }

    [Theory]
    [InlineData(RolloutState.Running, RolloutStep.Shadow, RolloutStrategy.Canary, "running", "shadow", "canary")]
    [InlineData(RolloutState.Paused, RolloutStep.Stage, RolloutStrategy.Canary, "paused", "stage", "canary")]
    [InlineData(RolloutState.Completed, RolloutStep.Done, RolloutStrategy.Shadow, "completed", "done", "shadow")]
    [InlineData(RolloutState.Aborted, RolloutStep.Preload, RolloutStrategy.BlueGreen, "aborted", "preload", "blue-green")]
    [InlineData(RolloutState.RolledBack, RolloutStep.Switch, RolloutStrategy.BlueGreen, "rolled-back", "switch", "blue-green")]
    [InlineData(RolloutState.Running, RolloutStep.Commit, RolloutStrategy.Canary, "running", "commit", "canary")]
    public void TheApiView_ShowsTheStrings_ItAlwaysDid(RolloutState state, RolloutStep step, RolloutStrategy strategy, string stateName, string stepName, string strategyName)
    {
        Rollout r = RolloutSamples.Canary(1) with { State = state, Step = step, Strategy = strategy };

        // The API's options: reflection, camelCase (Program.cs ConfigureHttpJsonOptions).
        JsonElement view = JsonSerializer.SerializeToElement(RolloutView.From(r, new Dictionary<string, RolloutDeviceReport>()), new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.Equal((stateName, stepName, strategyName), (view.GetProperty("state").GetString(), view.GetProperty("step").GetString(), view.GetProperty("strategy").GetString()));
        Assert.Equal((stateName, stepName, strategyName), (state.Name(), step.Name(), strategy.Name()));
    }
}
