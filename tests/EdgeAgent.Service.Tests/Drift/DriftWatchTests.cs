using EdgeAgent.TestSupport;
using LiteDB;

namespace EdgeAgent.Service.Tests.Drift;

[Trait("Category", "Integration")]
public sealed class DriftWatchTests(ITestOutputHelper output)
{
    private static readonly string[] s_fastWindows =
    [
        "--EdgeAgent:Telemetry:WindowSeconds=5",
        "--EdgeAgent:Drift:Monitor:BaselineSpeechSeconds=20",
        "--EdgeAgent:Drift:Monitor:EvaluationWindows=6",
    ];

    [Fact]
    public void Run_LearnsABaselineKeepsItAcrossRestartsAndRaisesThenClearsAnAlarm()
    {
        string dataDir = TestPaths.NewTempDirectory();

        string first = RunAgent(dataDir, DriftCorpus.CleanCurrent);
        Assert.Contains("Drift watch is learning this device's baseline", first);
        Assert.Contains("Drift baseline learned from", first);
        Assert.DoesNotContain("Drift alarm", first);

        string second = RunAgent(dataDir, DriftCorpus.Scenario("hum-50hz"));
        Assert.Contains("Drift watch uses the baseline learned at", second);
        Assert.Contains("Drift alarm hum: ok -> warning", second);
        Assert.Contains("Drift alarm hum: warning -> alarm", second);
        Assert.Contains("hum_ratio wasserstein", second);
        Assert.DoesNotContain("Drift alarm level", second);

        string third = RunAgent(dataDir, DriftCorpus.CleanCurrent);
        Assert.Contains("Drift alarm hum restored as Alarm", third);
        Assert.Contains("Drift alarm hum: alarm -> recovering", third);
        Assert.Contains("Drift alarm hum: recovering -> ok", third);

        // Windows are kept in the agent's LiteDB store: 3 runs × 78 s in 5 s windows.
        using var db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(dataDir, "agent.db"), ReadOnly = true });
        Assert.InRange(db.GetCollection("drift_windows").Count(), 40, 50);
        Assert.Equal("Ok", db.GetCollection("drift_alarms").FindById("hum")["State"].AsString);
    }

    [Fact]
    public void Run_MissingReferenceFile_FailsNamingTheSetting()
    {
        string dataDir = TestPaths.NewTempDirectory();
        string reference = Path.Combine(dataDir, "missing-ref.json");

        using var agent = new AgentProcess(dataDir, [$"--EdgeAgent:Source=wav:{DriftCorpus.CleanCurrent}", $"--EdgeAgent:Drift:ReferenceFile={reference}"]);
        int? exit = agent.WaitForExit(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, exit);
        Assert.Contains("EdgeAgent:Drift:ReferenceFile does not exist", agent.Output);
    }

    private string RunAgent(string dataDir, string wav)
    {
        using var agent = new AgentProcess(dataDir, [$"--EdgeAgent:Source=wav:{wav}", .. s_fastWindows]);
        int? exit = agent.WaitForExit(TimeSpan.FromSeconds(90));
        output.WriteLine(agent.Output);
        Assert.Equal(0, exit);
        return agent.Output;
    }
}
