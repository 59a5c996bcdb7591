using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;
using EdgeCloud.Registry;

namespace EdgeCloud.Tests.Fleet;

/// <summary>Random and mutated upload manifests: the registry answers each with a manifest it can sign or a problem, never an exception.</summary>
public sealed class ManifestPropertyTests
{
    private static readonly JsonNode s_seed = JsonNode.Parse(JsonSerializer.Serialize(new ModelPackageManifest
    {
        Name = "silero_vad", Kind = "vad", Version = "v6", MinAgentVersion = "0.5.0",
        Inputs = [new("input", "float32", [-1, -1]), new("state", "float32", [2, -1, 128]), new("sr", "int64", [])],
        Outputs = [new("output", "float32", [-1, 1])],
        Thresholds = new() { ["speech"] = 0.5 },
    }, ContractsJsonContext.Default.ModelPackageManifest))!;

    [Fact]
    public void EveryMutatedManifest_IsReadOrRefusedWithAProblem()
    {
        Gen<string> manifests = Gen.OneOf(
            Gen.Select(Gen.Int[0, 1000], JsonMutations.HostileValue, Gen.Int[0, 2]).Select((at, value, how) => Encoding.UTF8.GetString(JsonMutations.Mutate(s_seed, at, value, how))),
            Gen.Select(Gen.Select(Gen.Int[0, 4000], Gen.Byte).Array[1, 4], Gen.Int[0, 4000]).Select((edits, cut) => Encoding.UTF8.GetString(JsonMutations.Edit(s_seed, edits, cut))),
            Gen.String);

        int read = 0, refused = 0;
        manifests.Sample(json =>
        {
            (ModelPackageManifest? manifest, string? problem) = RegistryApi.ReadManifest(json);
            if (manifest is null)
            {
                refused++;
                return !string.IsNullOrWhiteSpace(problem);
            }

            read++;
            return problem is null && manifest.Name is not null && manifest.Version is not null && manifest.Kind is not null
                && manifest.Inputs.Concat(manifest.Outputs).All(t => t is not null && t.Name is not null && t.Type is not null && t.Shape is not null);
        }, iter: 5000, threads: 1);

        Assert.True(read > 0 && refused > 0, $"read {read}, refused {refused}");
    }
}
