using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeAgent.Contracts;
using EdgeCloud.Api;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Registry;

/// <summary>
/// The model registry: immutable versions uploaded as a manifest and an ONNX file; the cloud computes the SHA-256 and
/// signs; files are served with HTTP Range (resumable downloads); aliases per model name. Mutations are audited.
/// </summary>
public static partial class RegistryApi
{
    public static void MapRegistryApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder models = app.MapGroup("/api/models");
        models.MapPost("", UploadAsync).RequireAuthorization(Roles.Operator).DisableAntiforgery();
        models.MapGet("", ListAsync).RequireAuthorization(Roles.Viewer);
        models.MapGet("/signing-key", (ModelSigner signer) => TypedResults.Text(signer.PublicKeyPem, "application/x-pem-file")).RequireAuthorization(Roles.ModelReader);
        models.MapGet("/{name}/{version}", async Task<Results<Ok<SignedModelManifest>, NotFound<ProblemText>>> (string name, string version, ICloudStore store, CancellationToken ct) =>
            await ResolveAsync(store, name, version, ct) is { } m ? TypedResults.Ok(m) : TypedResults.NotFound(new ProblemText($"no model {name}@{version}"))).RequireAuthorization(Roles.ModelReader);
        models.MapGet("/{name}/{version}/file", DownloadAsync).RequireAuthorization(Roles.ModelReader);
        models.MapPut("/{name}/aliases/{alias}", SetAliasAsync).RequireAuthorization(Roles.Operator);
    }

    private static async Task<Results<Created<ModelCreated>, BadRequest<ProblemText>, Conflict<ProblemText>>> UploadAsync(
        HttpRequest request, ICloudStore store, ModelSigner signer, IOptions<CloudOptions> options, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return TypedResults.BadRequest(new ProblemText("send multipart/form-data with a 'manifest' (JSON) and a 'file' (the .onnx)"));
        }

        IFormCollection form = await request.ReadFormAsync(ct);
        string? manifestJson = form["manifest"].FirstOrDefault();
        if (manifestJson is null && form.Files.GetFile("manifest") is { } manifestFile)
        {
            using var reader = new StreamReader(manifestFile.OpenReadStream());
            manifestJson = await reader.ReadToEndAsync(ct);
        }

        IFormFile? file = form.Files.GetFile("file");
        if (manifestJson is null || file is null || file.Length == 0)
        {
            return TypedResults.BadRequest(new ProblemText("a 'manifest' part (JSON) and a non-empty 'file' part (the .onnx) are both required"));
        }

        if (file.Length > options.Value.Registry.MaxModelBytes)
        {
            return TypedResults.BadRequest(new ProblemText($"the file is {file.Length} bytes; the registry takes at most {options.Value.Registry.MaxModelBytes}"));
        }

        (ModelPackageManifest? read, string? problem) = ReadManifest(manifestJson);
        if (read is not { } manifest)
        {
            return TypedResults.BadRequest(new ProblemText($"manifest: {problem}"));
        }

        if (await store.GetModelAsync(manifest.Name, manifest.Version, ct) is not null)
        {
            return TypedResults.Conflict(new ProblemText($"{manifest.Name}@{manifest.Version} is already registered; versions are immutable, upload a new version"));
        }

        // The upload is spooled to a file (hashed on the way), loaded by ONNX Runtime from there and streamed into the
        // store: it is never held whole in memory.
        string spool = Path.Combine(Path.GetTempPath(), $"edge-cloud-upload-{Guid.NewGuid():N}.onnx");
        try
        {
            string sha256;
            await using (var target = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            await using (Stream source = file.OpenReadStream())
            {
                byte[] chunk = new byte[81920];
                while (await source.ReadAsync(chunk, ct) is var n and > 0)
                {
                    hash.AppendData(chunk, 0, n);
                    await target.WriteAsync(chunk.AsMemory(0, n), ct);
                }

                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            (ModelPackageManifest? checkedManifest, string? fileProblem) = OnnxModelCheck.Check(spool, manifest);
            if (checkedManifest is null)
            {
                return TypedResults.BadRequest(new ProblemText($"file: {fileProblem}"));
            }

            manifest = checkedManifest;
            var signed = new SignedModelManifest
            {
                Manifest = manifest, Sha256 = sha256, Size = file.Length, RegisteredAt = time.GetUtcNow(),
                Signature = signer.Sign(manifest, sha256, file.Length),
            };
            await using var stored = new FileStream(spool, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            if (!await store.AddModelAsync(signed, stored, ct))
            {
                return TypedResults.Conflict(new ProblemText($"{manifest.Name}@{manifest.Version} is already registered; versions are immutable, upload a new version"));
            }

            await store.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), user.Identity?.Name ?? "?", user.FindFirstValue(ClaimTypes.Role) ?? "?", "model.upload", $"{manifest.Name}@{manifest.Version}", sha256), ct);
            return TypedResults.Created($"/api/models/{manifest.Name}/{manifest.Version}", new ModelCreated(manifest.Name, manifest.Version, sha256));
        }
        finally
        {
            File.Delete(spool);
        }
    }

    private static async Task<Ok<List<ModelView>>> ListAsync(ICloudStore store, CancellationToken ct)
    {
        var views = new List<ModelView>();
        foreach (SignedModelManifest m in await store.ListModelsAsync(ct))
        {
            IReadOnlyDictionary<string, string> aliases = await store.GetAliasesAsync(m.Manifest.Name, ct);
            views.Add(new ModelView(m.Manifest.Name, m.Manifest.Kind, m.Manifest.Version, m.Sha256, m.Size, m.RegisteredAt,
                aliases.Where(a => a.Value == m.Manifest.Version).Select(a => a.Key).Order(StringComparer.Ordinal).ToList()));
        }

        return TypedResults.Ok(views);
    }

    private static async Task<IResult> DownloadAsync(string name, string version, ICloudStore store, CancellationToken ct)
    {
        if (await ResolveAsync(store, name, version, ct) is not { } m)
        {
            return TypedResults.NotFound(new ProblemText($"no model {name}@{version}"));
        }

        // Streamed from the store a chunk at a time (the result disposes the stream).
        return TypedResults.Stream(new ModelFileStream(store, m.Manifest.Name, m.Manifest.Version, m.Size), "application/octet-stream",
            $"{m.Manifest.Name}-{m.Manifest.Version}.onnx", lastModified: m.RegisteredAt,
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{m.Sha256}\""), enableRangeProcessing: true);
    }

    private static async Task<Results<Ok<AliasView>, NotFound<ProblemText>, BadRequest<ProblemText>>> SetAliasAsync(
        string name, string alias, SetAlias body, ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        if (!NamePattern().IsMatch(alias))
        {
            return TypedResults.BadRequest(new ProblemText("an alias is 1-64 letters, digits, '.', '_' or '-'"));
        }

        if (await store.GetModelAsync(name, body.Version, ct) is null)
        {
            return TypedResults.NotFound(new ProblemText($"no model {name}@{body.Version}"));
        }

        await store.SetAliasAsync(name, alias, body.Version, ct);
        await store.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), user.Identity?.Name ?? "?", user.FindFirstValue(ClaimTypes.Role) ?? "?", "model.alias", $"{name}/{alias}", body.Version), ct);
        return TypedResults.Ok(new AliasView(name, alias, body.Version));
    }

    /// <summary>A version, or an alias of the name.</summary>
    internal static async Task<SignedModelManifest?> ResolveAsync(ICloudStore store, string name, string versionOrAlias, CancellationToken ct) =>
        await store.GetModelAsync(name, versionOrAlias, ct)
        ?? ((await store.GetAliasesAsync(name, ct)).TryGetValue(versionOrAlias, out string? version) ? await store.GetModelAsync(name, version, ct) : null);

    /// <summary>An uploaded manifest, or what is wrong with it; never throws.</summary>
    internal static (ModelPackageManifest? Manifest, string? Problem) ReadManifest(string json)
    {
        ModelPackageManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.ModelPackageManifest);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return (null, ex.Message);
        }

        if (manifest is null)
        {
            return (null, "empty manifest");
        }

        manifest = manifest with { Inputs = manifest.Inputs ?? [], Outputs = manifest.Outputs ?? [] }; // "inputs": null is omitted
        return Problem(manifest) is { } problem ? (null, problem) : (manifest, null);
    }

    private static string? Problem(ModelPackageManifest m)
    {
        if (m.Name is null || m.Version is null || m.Kind is null)
        {
            return "name, kind and version are required";
        }

        if (!NamePattern().IsMatch(m.Name) || !NamePattern().IsMatch(m.Version))
        {
            return "name and version are 1-64 letters, digits, '.', '_' or '-'";
        }

        if (!ModelPackageManifest.Kinds.Contains(m.Kind))
        {
            return $"kind '{m.Kind}' is not one of {string.Join(", ", ModelPackageManifest.Kinds)}";
        }

        if (m.Inputs.Concat(m.Outputs).Any(t => t is null || string.IsNullOrWhiteSpace(t.Name) || string.IsNullOrWhiteSpace(t.Type) || t.Shape is null))
        {
            return "every tensor listed in inputs and outputs needs a name, a type and a shape (or omit them: the registry reads them from the file)";
        }

        if (m.Thresholds is { } thresholds && (thresholds.Count > 64 || thresholds.Any(t => t.Key.Length > 64 || !double.IsFinite(t.Value))))
        {
            return "thresholds are at most 64 finite numbers with names of at most 64 characters";
        }

        if (m.Inputs.Count + m.Outputs.Count > 256 || m.Inputs.Concat(m.Outputs).Any(t => t.Name.Length > 256 || t.Type.Length > 32 || t.Shape.Length > 16))
        {
            return "at most 256 tensors, each with a name of at most 256 characters, a type of at most 32 and at most 16 dimensions";
        }

        if (m.MinAgentVersion is not null && !Version.TryParse(m.MinAgentVersion, out _))
        {
            return $"minAgentVersion '{m.MinAgentVersion}' is not a version like 0.5.0";
        }

        return null;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex NamePattern();
}

public sealed record ModelCreated(string Name, string Version, string Sha256);

public sealed record ModelView(string Name, string Kind, string Version, string Sha256, long Size, DateTimeOffset RegisteredAt, List<string> Aliases);

public sealed record SetAlias(string Version);

public sealed record AliasView(string Name, string Alias, string Version);
