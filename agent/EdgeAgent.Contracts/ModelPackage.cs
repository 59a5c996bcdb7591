using System.Text.Json.Serialization;

namespace EdgeAgent.Contracts;

/// <summary>What a model package declares when uploaded to the registry (<c>POST /api/models</c>, part <c>manifest</c>).</summary>
public sealed record ModelPackageManifest
{
    public const string Vad = "vad";
    public const string Keyword = "keyword";
    public const string Mel = "mel";
    public const string Embedding = "embedding";

    public static IReadOnlyList<string> Kinds { get; } = [Vad, Keyword, Mel, Embedding];

    public required string Name { get; init; }

    /// <summary>vad, keyword, mel or embedding.</summary>
    public required string Kind { get; init; }

    public required string Version { get; init; }

    /// <summary>The file's inputs; an upload may omit them and the registry signs the ones it reads from the file.</summary>
    public List<TensorSpec> Inputs { get; init; } = [];

    /// <summary>The file's outputs; like <see cref="Inputs"/>, read from the file when omitted.</summary>
    public List<TensorSpec> Outputs { get; init; } = [];

    /// <summary>Decision thresholds the model ships with (e.g. trigger 0.5).</summary>
    public Dictionary<string, double>? Thresholds { get; init; }

    /// <summary>The reference profile (as written by <c>edgectl profile build</c>) its input is expected to look like.</summary>
    public System.Text.Json.JsonElement? ReferenceProfile { get; init; }

    public string? MinAgentVersion { get; init; }
}

/// <summary>One input or output: name, element type and shape (-1 for a dynamic dimension).</summary>
public sealed record TensorSpec(string Name, string Type, long[] Shape);

/// <summary>
/// What the registry vouches for: the manifest, the file's SHA-256 and size, and an ECDSA P-256 signature (SHA-256,
/// IEEE P1363, base64) over <see cref="SignedBytes"/>; agents pin the registry's public key.
/// </summary>
public sealed record SignedModelManifest
{
    public required ModelPackageManifest Manifest { get; init; }

    public required string Sha256 { get; init; }

    public long Size { get; init; }

    public DateTimeOffset RegisteredAt { get; init; }

    public required string Signature { get; init; }

    /// <summary>The canonical bytes signed: the manifest, hash and size as compact JSON (no signature).</summary>
    public static byte[] SignedBytes(ModelPackageManifest manifest, string sha256, long size) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new SignedContent(manifest, sha256, size), ContractsJsonContext.Default.SignedContent);
}

/// <summary>The content of a signature (see <see cref="SignedModelManifest.SignedBytes"/>).</summary>
public sealed record SignedContent(
    [property: JsonPropertyOrder(0)] ModelPackageManifest Manifest,
    [property: JsonPropertyOrder(1)] string Sha256,
    [property: JsonPropertyOrder(2)] long Size);
