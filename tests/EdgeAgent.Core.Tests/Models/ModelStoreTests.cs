using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Core.Tests.Models;

public sealed class ModelStoreTests
{
    private static ModelManifest Manifest(string sha, string version = "1.0") => new()
    {
        Name = "test_head",
        Kind = ModelKind.Keyword,
        Version = version,
        Sha256 = sha,
        Inputs = [new TensorSignature("x", "float32", [1, 16, 96])],
        Outputs = [new TensorSignature("y", "float32", [1, 1])],
        InstalledAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void Install_ThenFind_RoundTripsTheManifest()
    {
        var store = new ModelStore(TestPaths.NewTempDirectory());
        string file = WriteFile("abc");

        store.Install(file, Manifest(ModelStore.ComputeSha256(file)));
        InstalledModel found = store.Find("test_head");

        Assert.Equal("1.0", found.Version);
        Assert.Equal([1L, 16, 96], found.Manifest.Inputs[0].Shape);
        ModelStore.Verify(found);
    }

    [Fact]
    public void Install_HashMismatch_InstallsNothing()
    {
        var store = new ModelStore(TestPaths.NewTempDirectory());
        string file = WriteFile("abc");

        var ex = Assert.Throws<ModelStoreException>(() => store.Install(file, Manifest(new string('0', 64))));

        Assert.Contains("nothing installed", ex.Message);
        Assert.Empty(store.List());
    }

    [Fact]
    public void Install_SameVersionOtherContent_IsRefused()
    {
        var store = new ModelStore(TestPaths.NewTempDirectory());
        string a = WriteFile("a"), b = WriteFile("b");
        store.Install(a, Manifest(ModelStore.ComputeSha256(a)));

        var ex = Assert.Throws<ModelStoreException>(() => store.Install(b, Manifest(ModelStore.ComputeSha256(b))));

        Assert.Contains("immutable", ex.Message);
    }

    [Fact]
    public void Verify_FileChangedAfterInstall_Fails()
    {
        var store = new ModelStore(TestPaths.NewTempDirectory());
        string file = WriteFile("abc");
        InstalledModel model = store.Install(file, Manifest(ModelStore.ComputeSha256(file)));
        File.WriteAllText(model.ModelPath, "tampered");

        var ex = Assert.Throws<ModelStoreException>(() => ModelStore.Verify(model));

        Assert.Contains("reinstall", ex.Message);
    }

    [Fact]
    public void Find_Missing_HintsAtFetchModels()
    {
        var store = new ModelStore(TestPaths.NewTempDirectory());

        var ex = Assert.Throws<ModelStoreException>(() => store.Find("silero_vad", "v5"));

        Assert.Contains("tools/fetch-models.sh", ex.Message);
    }

    [Fact]
    public void List_DamagedManifest_ReportedAsProblem()
    {
        var store = new ModelStore(TestPaths.NewTempDirectory());
        Directory.CreateDirectory(Path.Combine(store.Root, "broken", "1"));
        File.WriteAllText(Path.Combine(store.Root, "broken", "1", "manifest.json"), "{ not json");

        IReadOnlyList<InstalledModel> models = store.List(out IReadOnlyList<string> problems);

        Assert.Empty(models);
        Assert.Contains("unreadable manifest", Assert.Single(problems));
    }

    private static string WriteFile(string content)
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "model.onnx");
        File.WriteAllText(path, content);
        return path;
    }
}
