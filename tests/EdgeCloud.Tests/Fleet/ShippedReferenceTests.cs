using System.Text.Json.Nodes;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;

namespace EdgeCloud.Tests.Fleet;

/// <summary>
/// A model version that ships a reference profile (its manifest's <c>referenceProfile</c>, as the registry signs it and
/// the agent installs it): the real agent compares its input with it as well as with its own baseline, so a device
/// that has heard through a band-limited microphone from its first minute — whose baseline learned exactly that —
/// still alarms, and the evidence says against which reference.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ShippedReferenceTests(ITestOutputHelper output)
{
    [Fact]
    public void AnAgentWhoseVadShipsATrainingReference_AlarmsOnInputUnlikeIt_AgainstThatReference()
    {
        string reference = Path.Combine(TestPaths.NewTempDirectory(), "ref.json");
        ExternalTool.Result built = Edgectl.Run("profile", "build", DriftCorpus.Reference, "-o", reference, "--description", "training reference");
        Assert.True(built.ExitCode == 0, built.StdErr);

        // The agent's model store: the test models, with the VAD's manifest carrying the reference.
        string store = TestPaths.NewTempDirectory();
        foreach (string file in Directory.EnumerateFiles(TestPaths.Models.Root, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(store, Path.GetRelativePath(TestPaths.Models.Root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        InstalledModel vad = new ModelStore(store).Find("silero_vad", "v5");
        string manifestPath = Path.Combine(Path.GetDirectoryName(vad.ModelPath)!, ModelManifest.FileName);
        JsonNode manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["referenceProfile"] = JsonNode.Parse(File.ReadAllText(reference));
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        using var agent = new AgentProcess(TestPaths.NewTempDirectory(),
        [
            $"--EdgeAgent:ModelsDir={store}",
            $"--EdgeAgent:Source=wav:{DriftCorpus.Scenario("new-mic-lowpass-3k4")}",
            "--EdgeAgent:Telemetry:WindowSeconds=5",
            "--EdgeAgent:Drift:Monitor:BaselineSpeechSeconds=20",
            "--EdgeAgent:Drift:Monitor:EvaluationWindows=10", // 50 s: enough speech for the spectral tests
        ]);
        Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(120)));
        output.WriteLine(agent.Output);

        Assert.Contains("Drift watch also compares with silero_vad@v5's training reference", agent.Output);
        Assert.Contains("Drift baseline learned from", agent.Output);
        Assert.Contains("Drift alarm bandwidth: ok -> warning", agent.Output);
        Assert.Contains("against the model's training reference (silero_vad@v5)", agent.Output);
        Assert.DoesNotContain("against this device's baseline", agent.Output); // its baseline learned the band-limited microphone
    }
}
