using System.Text.Json;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;

namespace EdgeCtl.Tests.Commands;

public sealed class ModelsCommandTests
{
    [Fact]
    public void List_Json_ShowsEveryPinnedModelWithItsSignature()
    {
        ExternalTool.Result r = Edgectl.Run("models", "list", "--json", "--models", TestPaths.Models.Root);

        Assert.Equal(0, r.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(r.StdOut);
        var models = doc.RootElement.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(11, models.Count);
        JsonElement timer = models.Single(m => m.GetProperty("name").GetString() == "timer");
        Assert.Equal("keyword", timer.GetProperty("kind").GetString());
        Assert.Equal("CC-BY-NC-SA-4.0", timer.GetProperty("licence").GetString());
        Assert.Equal([1, 34, 96], timer.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Install_WrongHash_InstallsNothingAndNamesTheFile()
    {
        string store = TestPaths.NewTempDirectory();
        string model = Path.Combine(TestPaths.Models.Root, "alexa", "0.1", "model.onnx");

        ExternalTool.Result r = Edgectl.Run("models", "install", model, "--models", store, "--name", "alexa", "--version", "9",
            "--kind", "keyword", "--sha256", new string('a', 64));

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"{model}: sha256 is", r.StdErr);
        Assert.Empty(Directory.GetFileSystemEntries(store));
    }

    [Fact]
    public void RollbackPinUnpin_WriteIntentsForTheAgent_CheckedFirst_AndListShowsThemPending()
    {
        string store = TestPaths.NewTempDirectory();
        foreach (string version in new[] { "v5", "v6" })
        {
            InstalledModel vad = TestPaths.Models.Find("silero_vad", version);
            new ModelStore(store).Install(vad.ModelPath, vad.Manifest);
        }

        ExternalTool.Result nothing = Edgectl.Run("models", "rollback", "silero_vad", "--models", store);
        Assert.NotEqual(0, nothing.ExitCode);
        Assert.Contains("silero_vad: no model slots recorded yet", nothing.StdErr);
        ExternalTool.Result missing = Edgectl.Run("models", "pin", "silero_vad@v9", "--models", store);
        Assert.Contains("silero_vad@v9 is not installed", missing.StdErr);

        ExternalTool.Result pin = Edgectl.Run("models", "pin", "silero_vad@v6", "--models", store);
        Assert.True(pin.ExitCode == 0, pin.StdErr);
        Assert.Contains("silero_vad: pinned to v6 (intent #1", pin.StdOut);
        ExternalTool.Result rollback = Edgectl.Run("models", "rollback", "silero_vad", "--models", store);
        Assert.Contains("silero_vad is pinned to v6; unpin it first", rollback.StdErr); // checked against the pending pin
        Assert.True(Edgectl.Run("models", "unpin", "silero_vad", "--models", store).ExitCode == 0);

        Assert.False(File.Exists(Path.Combine(store, "slots.json"))); // the agent's to write
        ExternalTool.Result list = Edgectl.Run("models", "list", "--json", "--models", store);
        using JsonDocument doc = JsonDocument.Parse(list.StdOut);
        Assert.Equal(["pin silero_vad@v6", "unpin silero_vad@"], doc.RootElement.GetProperty("pendingIntents").EnumerateArray()
            .Select(i => $"{i.GetProperty("kind").GetString()} {i.GetProperty("name").GetString()}@{(i.TryGetProperty("version", out JsonElement v) ? v.GetString() : "")}"));
        Assert.Contains("pending intent #2 unpin silero_vad", Edgectl.Run("models", "list", "--models", store).StdOut);
    }
}
