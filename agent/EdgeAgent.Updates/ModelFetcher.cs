using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Core.Runtime;
using EdgeAgent.Speech.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Updates;

/// <summary>
/// Brings a model version from the registry into the device's model store, trusting nothing it has not checked:
/// the manifest's signature against the pinned registry key, the download (resumed from the last byte it holds)
/// against the signed SHA-256, and the file itself — it must load in ONNX Runtime with exactly the declared inputs and
/// outputs, and keep the input signature of the version already installed under that name. Any failure leaves the
/// store untouched and says why.
/// </summary>
public sealed class ModelFetcher(HttpClient registry, string registryPublicKeyPem, ModelStore store, string workDir)
{
    private const long Mebibyte = 1024 * 1024;

    /// <summary>This agent's version (the assemblies' version), compared with a model's <c>minAgentVersion</c>.</summary>
    public static Version AgentVersion { get; } = typeof(ModelFetcher).Assembly.GetName().Version ?? new Version(0, 0, 0);

    /// <summary>The bytes an interrupted download of <paramref name="name"/>@<paramref name="version"/> left (the next attempt resumes there).</summary>
    public long BytesHeld(string name, string version)
    {
        var partial = new FileInfo(PartialPath(name, version));
        return partial.Exists ? partial.Length : 0;
    }

    /// <summary>Fetches <paramref name="versionOrAlias"/> of <paramref name="name"/>, verifies and installs it.</summary>
    /// <exception cref="ModelUpdateException">The model was refused; the message says why.</exception>
    /// <param name="onBytes">Told the bytes held so far, at each MiB of the download.</param>
    public async Task<InstalledModel> FetchAsync(string name, string versionOrAlias, CancellationToken cancellationToken, Action<long>? onBytes = null)
    {
        SignedModelManifest signed = await ManifestAsync(name, versionOrAlias, cancellationToken);
        ModelPackageManifest m = signed.Manifest;
        VerifySignature(signed);
        if (m.MinAgentVersion is { } min && (!Version.TryParse(min, out Version? required) || required > AgentVersion))
        {
            throw new ModelUpdateException($"{m.Name}@{m.Version} needs agent {min} or later; this agent is {AgentVersion.ToString(3)}; refused");
        }

        Directory.CreateDirectory(workDir);
        string partial = PartialPath(m.Name, m.Version);
        await DownloadAsync($"/api/models/{Uri.EscapeDataString(m.Name)}/{Uri.EscapeDataString(m.Version)}/file", partial, signed.Size, onBytes, cancellationToken);
        string sha256 = ModelStore.ComputeSha256(partial);
        if (!string.Equals(sha256, signed.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(partial);
            throw new ModelUpdateException($"{m.Name}@{m.Version}: the download's sha256 is {sha256}, the signed manifest says {signed.Sha256}; discarded (corrupted download)");
        }

        (TensorSignature[] inputs, TensorSignature[] outputs) = Load(partial, m);
        CheckDeclared(m, "inputs", m.Inputs, inputs);
        CheckDeclared(m, "outputs", m.Outputs, outputs);
        CheckCompatibleWithInstalled(m, inputs);

        try
        {
            InstalledModel installed = store.Install(partial, new ModelManifest
            {
                Name = m.Name, Kind = m.Kind, Version = m.Version, Sha256 = signed.Sha256, Source = registry.BaseAddress?.ToString(),
                Inputs = inputs, Outputs = outputs, InstalledAt = DateTimeOffset.UtcNow, ReferenceProfile = m.ReferenceProfile,
            });
            File.Delete(partial);
            return installed;
        }
        catch (ModelStoreException ex)
        {
            throw new ModelUpdateException($"{m.Name}@{m.Version}: {ex.Message}", ex);
        }
    }

    private string PartialPath(string name, string version) => Path.Combine(workDir, $"{name}@{version}.partial");

    private async Task<SignedModelManifest> ManifestAsync(string name, string versionOrAlias, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await registry.GetAsync($"/api/models/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(versionOrAlias)}", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ModelUpdateException($"{name}@{versionOrAlias}: the registry answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        try
        {
            return await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SignedModelManifest, cancellationToken)
                ?? throw new JsonException("empty manifest");
        }
        catch (JsonException ex)
        {
            throw new ModelUpdateException($"{name}@{versionOrAlias}: the registry's manifest is not readable: {ex.Message}", ex);
        }
    }

    private void VerifySignature(SignedModelManifest signed)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(registryPublicKeyPem);
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signed.Signature);
        }
        catch (FormatException)
        {
            signature = [];
        }

        if (!key.VerifyData(SignedModelManifest.SignedBytes(signed.Manifest, signed.Sha256, signed.Size), signature, HashAlgorithmName.SHA256))
        {
            throw new ModelUpdateException($"{signed.Manifest.Name}@{signed.Manifest.Version}: the manifest's signature does not verify with the pinned registry key; refused");
        }
    }

    /// <summary>Appends to what a previous attempt left, asking only for the bytes still missing.</summary>
    private async Task DownloadAsync(string path, string partial, long size, Action<long>? onBytes, CancellationToken cancellationToken)
    {
        long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (have > size)
        {
            File.Delete(partial);
            have = 0;
        }

        if (have == size)
        {
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Range = new RangeHeaderValue(have, null);
        using HttpResponseMessage response = await registry.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.PartialContent)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new ModelUpdateException($"{path}: the registry answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            have = 0; // the server sent the whole file
        }

        await using var file = new FileStream(partial, have == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write);
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = new byte[81_920];
        long held = have;
        long nextReport = (held / Mebibyte + 1) * Mebibyte;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            held += read;
            if (held >= nextReport)
            {
                await file.FlushAsync(cancellationToken); // what is reported is on disk for the next attempt to resume from
                onBytes?.Invoke(held);
                nextReport += Mebibyte;
            }
        }

        file.Flush(flushToDisk: true);
    }

    private static (TensorSignature[] Inputs, TensorSignature[] Outputs) Load(string path, ModelPackageManifest m)
    {
        if (!ModelKind.IsKnown(m.Kind))
        {
            throw new ModelUpdateException($"{m.Name}@{m.Version}: unknown kind '{m.Kind}'");
        }

        try
        {
            using InferenceSession session = OnnxSessions.Open(path, new OnnxOptions());
            return (OnnxSessions.Signature(session.InputMetadata), OnnxSessions.Signature(session.OutputMetadata));
        }
        catch (ModelStoreException ex)
        {
            throw new ModelUpdateException($"{m.Name}@{m.Version}: {ex.Message}", ex);
        }
        finally
        {
            ProcessMemory.GiveBack(); // the session opened only to read its signature, and its load's garbage
        }
    }

    private static void CheckDeclared(ModelPackageManifest m, string what, List<TensorSpec> declared, TensorSignature[] actual)
    {
        var expected = declared.Select(t => new TensorSignature(t.Name, t.Type, t.Shape)).ToArray();
        if (!TensorSignature.SameSet(expected, actual))
        {
            throw new ModelUpdateException($"{m.Name}@{m.Version}: the manifest declares {what} {TensorSignature.Describe(expected)} but the file has {TensorSignature.Describe(actual)}; refused");
        }
    }

    private void CheckCompatibleWithInstalled(ModelPackageManifest m, TensorSignature[] inputs)
    {
        InstalledModel? current = store.List().Where(i => i.Manifest.Name == m.Name && i.Manifest.Version != m.Version).LastOrDefault();
        if (current is null)
        {
            return;
        }

        if (current.Manifest.Kind != m.Kind)
        {
            throw new ModelUpdateException($"{m.Name}@{m.Version}: kind {m.Kind}, but the installed {current.Manifest.Version} is {current.Manifest.Kind}; refused");
        }

        // A keyword head is fed by position (one [1, W, 96] input), so only type and shape must match; other models by name.
        TensorSignature[] installed = current.Manifest.Inputs;
        bool compatible = m.Kind == ModelKind.Keyword
            ? installed.Length == inputs.Length && installed.Zip(inputs).All(p => p.First.Type == p.Second.Type && p.First.Shape.SequenceEqual(p.Second.Shape))
            : installed.Length == inputs.Length && installed.All(i => inputs.Any(n => n.Matches(i)));
        if (!compatible)
        {
            throw new ModelUpdateException($"{m.Name}@{m.Version}: inputs {TensorSignature.Describe(inputs)} differ from the installed {current.Manifest.Version}'s {TensorSignature.Describe(installed)}; the pipeline cannot feed it; refused");
        }
    }

}

public sealed class ModelUpdateException : Exception
{
    public ModelUpdateException(string message)
        : base(message)
    {
    }

    public ModelUpdateException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
