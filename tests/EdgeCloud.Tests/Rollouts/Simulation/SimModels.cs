using System.Security.Cryptography;
using System.Text;
using EdgeAgent.Core.Models;

namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// Model versions for the simulation: a small file per version (its bytes derived from name and version) installed
/// with a manifest into a real <see cref="ModelStore"/>, so the reconciler's store, sha256 checks and slots are the real
/// ones; only the runtime that would load it into ONNX Runtime is a fake.
/// </summary>
internal static class SimModels
{
    public const string Vad = "silero_vad";
    public const string Baseline = "v5";
    public const string Candidate = "v6";

    public static InstalledModel Install(ModelStore store, string name, string version, DateTimeOffset installedAt)
    {
        string file = Path.Combine(store.Root, $".{name}-{version}.src");
        Directory.CreateDirectory(store.Root);
        File.WriteAllBytes(file, SHA256.HashData(Encoding.UTF8.GetBytes($"{name}@{version}")));
        try
        {
            return store.Install(file, new ModelManifest
            {
                Name = name, Kind = ModelKind.Vad, Version = version, Sha256 = ModelStore.ComputeSha256(file), InstalledAt = installedAt,
                Inputs = [new TensorSignature("input", "float32", [-1, 576])], Outputs = [new TensorSignature("output", "float32", [-1, 1])],
            });
        }
        finally
        {
            File.Delete(file);
        }
    }
}
