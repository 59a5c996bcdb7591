using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Core.Tests.Models;

/// <summary>
/// Mutated manifest.json files in the model store (a half-written copy, a technician's edit, a hostile file): listing
/// the store never throws, a damaged entry is named as a problem, and every model it does return is whole.
/// </summary>
public sealed class ModelStorePropertyTests
{
    [Fact]
    public void EveryMutatedManifest_IsListedWhole_OrNamedAsAProblem()
    {
        var store = new ModelStore(TestPaths.NewTempDirectory());
        string file = Path.Combine(TestPaths.NewTempDirectory(), "model.onnx");
        File.WriteAllText(file, "abc");
        InstalledModel installed = store.Install(file, new ModelManifest
        {
            Name = "test_head", Kind = ModelKind.Keyword, Version = "1.0", Sha256 = ModelStore.ComputeSha256(file),
            Inputs = [new TensorSignature("x", "float32", [1, 16, 96])], Outputs = [new TensorSignature("y", "float32", [1, 1])],
        });
        string manifestPath = Path.Combine(Path.GetDirectoryName(installed.ModelPath)!, ModelManifest.FileName);
        JsonNode seed = JsonNode.Parse(File.ReadAllText(manifestPath))!;

        Gen<byte[]> manifests = Gen.OneOf(
            Gen.Select(Gen.Int[0, 1000], JsonMutations.HostileValue, Gen.Int[0, 2]).Select((at, value, how) => JsonMutations.Mutate(seed, at, value, how)),
            Gen.Select(Gen.Select(Gen.Int[0, 4000], Gen.Byte).Array[1, 4], Gen.Int[0, 4000]).Select((edits, cut) => JsonMutations.Edit(seed, edits, cut)),
            Gen.Byte.Array[0, 200]);

        int listed = 0, problems = 0;
        manifests.Sample(bytes =>
        {
            File.WriteAllBytes(manifestPath, bytes);
            IReadOnlyList<InstalledModel> models = store.List(out IReadOnlyList<string> bad);
            listed += models.Count;
            problems += bad.Count;
            return models.Count + bad.Count == 1
                && models.All(m => m.Manifest.Name == "test_head" && m.Manifest.Version == "1.0" && m.Manifest.Kind is not null && m.Manifest.Sha256 is not null
                    && m.Manifest.Inputs.Concat(m.Manifest.Outputs).All(t => t is { Name: not null, Type: not null, Shape: not null }))
                && bad.All(p => p.Contains(manifestPath, StringComparison.Ordinal));
        }, iter: 2000, threads: 1);

        Assert.True(listed > 0 && problems > 0, $"listed {listed}, problems {problems}");
    }
}
