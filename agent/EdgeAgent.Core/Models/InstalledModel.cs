namespace EdgeAgent.Core.Models;

/// <summary>A model version in the store: its manifest and the path of its ONNX file.</summary>
public sealed record InstalledModel(ModelManifest Manifest, string ModelPath)
{
    public string Name => Manifest.Name;

    public string Version => Manifest.Version;

    public string Kind => Manifest.Kind;

    public override string ToString() => $"{Name}@{Version}";
}
