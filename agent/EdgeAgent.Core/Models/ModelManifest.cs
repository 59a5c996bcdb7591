namespace EdgeAgent.Core.Models;

/// <summary>What the model store knows about one installed model version (<c>manifest.json</c> beside <c>model.onnx</c>).</summary>
public sealed record ModelManifest
{
    public const int CurrentSchemaVersion = 1;
    public const string FileName = "manifest.json";
    public const string ModelFileName = "model.onnx";

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Name { get; init; }

    public required string Kind { get; init; }

    public required string Version { get; init; }

    public required string Sha256 { get; init; }

    public string? Source { get; init; }

    public string? Licence { get; init; }

    public required TensorSignature[] Inputs { get; init; }

    public required TensorSignature[] Outputs { get; init; }

    public DateTimeOffset InstalledAt { get; init; }

    /// <summary>The reference profile the registry's manifest carried (as <c>edgectl profile build</c> writes it): what this model's input should look like.</summary>
    public System.Text.Json.JsonElement? ReferenceProfile { get; init; }
}
