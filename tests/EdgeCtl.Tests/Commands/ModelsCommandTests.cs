using System.Text.Json;
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
}
