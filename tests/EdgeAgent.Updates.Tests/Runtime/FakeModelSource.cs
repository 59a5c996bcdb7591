using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Runtime;

namespace EdgeAgent.Updates.Tests.Runtime;

/// <summary>A registry without HTTP: versions it offers are installed into the real store as small files (with a real manifest and sha256).</summary>
public sealed class FakeModelSource(ModelStore store) : IModelSource
{
    /// <summary><c>name@version</c> → kind, for the versions it serves.</summary>
    public Dictionary<string, string> Offered { get; } = new(StringComparer.Ordinal);

    /// <summary><c>name@version</c> → why the device refuses it (a bad signature, say).</summary>
    public Dictionary<string, string> Refused { get; } = new(StringComparer.Ordinal);

    public int Downloads { get; private set; }

    public bool CanDownload => true;

    public long BytesHeld(string name, string version) => 0;

    public Task<InstalledModel> DownloadAsync(string name, string version, Action<long>? onBytes, CancellationToken cancellationToken)
    {
        Downloads++;
        string key = $"{name}@{version}";
        if (Refused.TryGetValue(key, out string? why))
        {
            throw new ModelUpdateException($"{key}: {why}");
        }

        if (!Offered.TryGetValue(key, out string? kind))
        {
            throw new HttpRequestException($"{key}: 404 from the fake registry");
        }

        onBytes?.Invoke(16);
        return Task.FromResult(Install(store, name, version, kind));
    }

    public static InstalledModel Install(ModelStore store, string name, string version, string kind)
    {
        string file = Path.Combine(Path.GetTempPath(), $"fake-{Guid.NewGuid():n}.onnx");
        File.WriteAllText(file, $"fake model {name}@{version}");
        try
        {
            return store.Install(file, new ModelManifest
            {
                Name = name, Kind = kind, Version = version, Sha256 = ModelStore.ComputeSha256(file),
                Inputs = [new TensorSignature("x", "float32", [1, 16, 96])], Outputs = [new TensorSignature("y", "float32", [1, 1])],
            });
        }
        finally
        {
            File.Delete(file);
        }
    }
}
