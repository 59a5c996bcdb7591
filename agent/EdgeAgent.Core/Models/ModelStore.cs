using System.Security.Cryptography;
using System.Text.Json;

namespace EdgeAgent.Core.Models;

/// <summary>
/// The on-device model store: <c>&lt;root&gt;/&lt;name&gt;/&lt;version&gt;/{model.onnx, manifest.json}</c>.
/// Shared by the agent and <c>edgectl</c>; the root is <c>$EDGEAGENT_MODELS</c> or <c>~/.edgeagent/models</c>.
/// </summary>
public sealed class ModelStore
{
    public const string EnvironmentVariable = "EDGEAGENT_MODELS";
    public const string FetchHint = "run tools/fetch-models.sh to install the models";

    public ModelStore(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public static string DefaultRoot()
    {
        string? fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return !string.IsNullOrWhiteSpace(fromEnv)
            ? fromEnv
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".edgeagent", "models");
    }

    /// <summary>Every readable model version; <paramref name="problems"/> names entries that could not be read.</summary>
    public IReadOnlyList<InstalledModel> List(out IReadOnlyList<string> problems)
    {
        var models = new List<InstalledModel>();
        var bad = new List<string>();
        if (Directory.Exists(Root))
        {
            foreach (string nameDir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
            {
                foreach (string versionDir in Directory.EnumerateDirectories(nameDir).Order(StringComparer.Ordinal))
                {
                    if (Path.GetFileName(versionDir).StartsWith('.'))
                    {
                        continue; // an install in progress
                    }

                    try
                    {
                        models.Add(Load(versionDir));
                    }
                    catch (ModelStoreException ex)
                    {
                        bad.Add(ex.Message);
                    }
                }
            }
        }

        problems = bad;
        return models;
    }

    public IReadOnlyList<InstalledModel> List() => List(out _);

    /// <summary>
    /// The version of <paramref name="name"/> to run: <paramref name="version"/> when given, else the most recently
    /// installed one.
    /// </summary>
    public InstalledModel Find(string name, string? version = null)
    {
        string nameDir = Path.Combine(Root, name);
        if (version is not null)
        {
            string dir = Path.Combine(nameDir, version);
            return Directory.Exists(dir)
                ? Load(dir)
                : throw new ModelStoreException($"model {name}@{version} is not installed in {Root}; {FetchHint}");
        }

        InstalledModel? newest = List().Where(m => m.Name == name).MaxBy(m => m.Manifest.InstalledAt);
        return newest ?? throw new ModelStoreException($"model {name} is not installed in {Root}; {FetchHint}");
    }

    /// <summary>Copies <paramref name="modelFile"/> into the store with its manifest; the version appears atomically.</summary>
    public InstalledModel Install(string modelFile, ModelManifest manifest)
    {
        if (!ModelKind.IsKnown(manifest.Kind))
        {
            throw new ModelStoreException($"{manifest.Name}@{manifest.Version}: unknown kind '{manifest.Kind}' (vad, keyword, mel, embedding)");
        }

        ValidateSegment(manifest.Name, "name");
        ValidateSegment(manifest.Version, "version");
        string actual = ComputeSha256(modelFile);
        if (!string.Equals(actual, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelStoreException($"{modelFile}: sha256 is {actual}, expected {manifest.Sha256}; nothing installed");
        }

        string nameDir = Path.Combine(Root, manifest.Name);
        string final = Path.Combine(nameDir, manifest.Version);
        if (Directory.Exists(final))
        {
            InstalledModel existing = Load(final);
            if (string.Equals(existing.Manifest.Sha256, actual, StringComparison.OrdinalIgnoreCase))
            {
                return existing;
            }

            throw new ModelStoreException($"{manifest.Name}@{manifest.Version} is already installed with another sha256; versions are immutable");
        }

        string staging = Path.Combine(nameDir, $".{manifest.Version}.{Environment.ProcessId}.tmp");
        Directory.CreateDirectory(staging);
        try
        {
            File.Copy(modelFile, Path.Combine(staging, ModelManifest.ModelFileName), overwrite: true);
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(manifest with { Sha256 = actual }, ModelJsonContext.Default.ModelManifest);
            using (var stream = new FileStream(Path.Combine(staging, ModelManifest.FileName), FileMode.Create, FileAccess.Write))
            {
                stream.Write(json);
                stream.Flush(flushToDisk: true);
            }

            Directory.Move(staging, final);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }

        return Load(final);
    }

    /// <summary>Checks the model file against the sha256 in its manifest.</summary>
    public static void Verify(InstalledModel model)
    {
        string actual = ComputeSha256(model.ModelPath);
        if (!string.Equals(actual, model.Manifest.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelStoreException($"{model}: {model.ModelPath} has sha256 {actual}, the manifest says {model.Manifest.Sha256}; reinstall it ({FetchHint})");
        }
    }

    public static string ComputeSha256(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelStoreException($"{path}: cannot read: {ex.Message}", ex);
        }
    }

    private static InstalledModel Load(string versionDir)
    {
        string manifestPath = Path.Combine(versionDir, ModelManifest.FileName);
        string modelPath = Path.Combine(versionDir, ModelManifest.ModelFileName);
        ModelManifest? manifest;
        try
        {
            using FileStream stream = File.OpenRead(manifestPath);
            manifest = JsonSerializer.Deserialize(stream, ModelJsonContext.Default.ModelManifest);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ModelStoreException($"{manifestPath}: unreadable manifest: {ex.Message}", ex);
        }

        if (manifest is null || manifest.SchemaVersion != ModelManifest.CurrentSchemaVersion)
        {
            throw new ModelStoreException($"{manifestPath}: unsupported manifest (schemaVersion {manifest?.SchemaVersion})");
        }

        if (Incomplete(manifest, versionDir) is { } problem)
        {
            throw new ModelStoreException($"{manifestPath}: {problem}");
        }

        if (!File.Exists(modelPath))
        {
            throw new ModelStoreException($"{versionDir}: {ModelManifest.ModelFileName} is missing; {FetchHint}");
        }

        return new InstalledModel(manifest, modelPath);
    }

    /// <summary>What a manifest read from disk lacks (JSON null defeats <c>required</c>), or null when it is whole.</summary>
    private static string? Incomplete(ModelManifest m, string versionDir) =>
        m.Name is null || m.Kind is null || m.Version is null || m.Sha256 is null ? "incomplete manifest: name, kind, version and sha256 are required"
        : m.Inputs is null || m.Outputs is null || m.Inputs.Concat(m.Outputs).Any(t => t?.Name is null || t.Type is null || t.Shape is null) ? "incomplete manifest: every input and output needs a name, a type and a shape"
        : m.Name != Path.GetFileName(Path.GetDirectoryName(versionDir)) || m.Version != Path.GetFileName(versionDir) ? $"the manifest names {m.Name}@{m.Version}, not the directory it is in"
        : null;

    /// <summary>Whether <paramref name="value"/> can name a model's or a version's directory: not empty, not hidden, no separators.</summary>
    public static bool IsValidSegment(string? value) =>
        !string.IsNullOrWhiteSpace(value) && !value.StartsWith('.') && value.IndexOfAny(['/', '\\', ':']) < 0;

    private static void ValidateSegment(string value, string what)
    {
        if (!IsValidSegment(value))
        {
            throw new ModelStoreException($"invalid model {what} '{value}'");
        }
    }
}
