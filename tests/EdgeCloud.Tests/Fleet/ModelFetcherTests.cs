using System.Security.Cryptography;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;
using EdgeAgent.Updates;

namespace EdgeCloud.Tests.Fleet;

/// <summary>The agent's side of the registry: download (resumable), verify, check compatibility, install.</summary>
[Trait("Category", "Integration")]
public sealed class ModelFetcherTests : IDisposable
{
    private readonly CloudProcess _cloud = new();
    private readonly ModelStore _store = new(TestPaths.NewTempDirectory());
    private readonly string _work = TestPaths.NewTempDirectory();
    private readonly InstalledModel _v6 = new ModelStore(TestPaths.Models.Root).Find("silero_vad", "v6");

    [Fact]
    public async Task Fetch_VerifiesAndInstalls_ResumingFromTheLastByte()
    {
        await UploadAsync(_v6, _v6.Manifest.Inputs, "v6");
        byte[] bytes = await File.ReadAllBytesAsync(_v6.ModelPath, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(_work, "silero_vad@v6.partial"), bytes[..50_000], TestContext.Current.CancellationToken);

        var reported = new List<long>();
        InstalledModel installed = await (await FetcherAsync()).FetchAsync("silero_vad", "v6", TestContext.Current.CancellationToken, reported.Add);

        Assert.Equal(_v6.Manifest.Sha256, installed.Manifest.Sha256);
        Assert.Equal(_v6.Manifest.Inputs.Length, installed.Manifest.Inputs.Length);
        ModelStore.Verify(installed);
        Assert.False(File.Exists(Path.Combine(_work, "silero_vad@v6.partial")));
        Assert.Equal(Enumerable.Range(1, (int)(bytes.Length / (1024 * 1024))).Select(mib => (long)mib * 1024 * 1024), reported.Select(b => b / (1024 * 1024) * 1024 * 1024));
    }

    [Fact]
    public async Task Fetch_ACorruptedPartialDownload_IsDiscardedAndNothingInstalled()
    {
        await UploadAsync(_v6, _v6.Manifest.Inputs, "v6");
        byte[] junk = new byte[50_000];
        await File.WriteAllBytesAsync(Path.Combine(_work, "silero_vad@v6.partial"), junk, TestContext.Current.CancellationToken);
        ModelFetcher fetcher = await FetcherAsync();

        var ex = await Assert.ThrowsAsync<ModelUpdateException>(() => fetcher.FetchAsync("silero_vad", "v6", TestContext.Current.CancellationToken));

        Assert.Contains("corrupted download", ex.Message);
        Assert.Empty(_store.List());
        Assert.Equal(_v6.Manifest.Sha256, (await fetcher.FetchAsync("silero_vad", "v6", TestContext.Current.CancellationToken)).Manifest.Sha256); // a clean retry works
    }

    [Fact]
    public async Task Fetch_WithAnotherRegistrysKey_IsRefused()
    {
        await UploadAsync(_v6, _v6.Manifest.Inputs, "v6");
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fetcher = new ModelFetcher(_cloud.Api, stranger.ExportSubjectPublicKeyInfoPem(), _store, _work);

        var ex = await Assert.ThrowsAsync<ModelUpdateException>(() => fetcher.FetchAsync("silero_vad", "v6", TestContext.Current.CancellationToken));

        Assert.Contains("signature does not verify", ex.Message);
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task Fetch_AManifestThatLiesAboutInputs_OrAnIncompatibleSuccessor_IsRefused()
    {
        // A registry that signs the legacy v4 VAD's inputs (input, sr, h, c) for the v6 file (input, state, sr): ours
        // refuses such an upload, so the lie is signed on the way by a key the device is given (an older or compromised
        // registry), and the file comes from the real one.
        InstalledModel v4 = new ModelStore(TestPaths.Models.Root).Find("silero_vad", "v4");
        await UploadAsync(_v6, _v6.Manifest.Inputs, "v6");
        using (var liar = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var lying = new HttpClient(new ResigningHandler(liar, m => m with { Inputs = v4.Manifest.Inputs.Select(t => new TensorSpec(t.Name, t.Type, t.Shape)).ToList() })) { BaseAddress = _cloud.Api.BaseAddress })
        {
            lying.DefaultRequestHeaders.Add("X-Api-Key", _cloud.Api.DefaultRequestHeaders.GetValues("X-Api-Key"));
            var lie = await Assert.ThrowsAsync<ModelUpdateException>(() => new ModelFetcher(lying, liar.ExportSubjectPublicKeyInfoPem(), _store, _work).FetchAsync("silero_vad", "v6", TestContext.Current.CancellationToken));
            Assert.Contains("the manifest declares inputs", lie.Message);
            Assert.Empty(_store.List());
        }

        // The legacy v4 VAD as the next version after v6: the pipeline could not feed it.
        ModelFetcher fetcher = await FetcherAsync();
        await fetcher.FetchAsync("silero_vad", "v6", TestContext.Current.CancellationToken);
        await UploadAsync(v4, v4.Manifest.Inputs, "v7");
        var incompatible = await Assert.ThrowsAsync<ModelUpdateException>(() => fetcher.FetchAsync("silero_vad", "v7", TestContext.Current.CancellationToken));

        Assert.Contains("differ from the installed v6", incompatible.Message);
        Assert.Equal(["v6"], _store.List().Select(m => m.Manifest.Version));
    }

    [Fact]
    public async Task Fetch_AModelNeedingANewerAgent_IsRefusedBeforeDownloading()
    {
        await UploadAsync(_v6, _v6.Manifest.Inputs, "v6", minAgentVersion: "99.0");

        var ex = await Assert.ThrowsAsync<ModelUpdateException>(async () => await (await FetcherAsync()).FetchAsync("silero_vad", "v6", TestContext.Current.CancellationToken));

        Assert.Contains($"needs agent 99.0 or later; this agent is {ModelFetcher.AgentVersion.ToString(3)}", ex.Message);
        Assert.Empty(_store.List());
        Assert.False(File.Exists(Path.Combine(_work, "silero_vad@v6.partial")));
    }

    public void Dispose() => _cloud.Dispose();

    /// <summary>Passes requests to the real registry, re-signing the manifests it returns after <paramref name="change"/>.</summary>
    private sealed class ResigningHandler(ECDsa key, Func<ModelPackageManifest, ModelPackageManifest> change) : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            string path = request.RequestUri!.AbsolutePath;
            if (!response.IsSuccessStatusCode || path.EndsWith("/file", StringComparison.Ordinal) || path.EndsWith("/signing-key", StringComparison.Ordinal))
            {
                return response;
            }

            SignedModelManifest signed = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(cancellationToken), ContractsJsonContext.Default.SignedModelManifest)!;
            ModelPackageManifest lie = change(signed.Manifest);
            signed = signed with { Manifest = lie, Signature = Convert.ToBase64String(key.SignData(SignedModelManifest.SignedBytes(lie, signed.Sha256, signed.Size), HashAlgorithmName.SHA256)) };
            response.Content = new StringContent(JsonSerializer.Serialize(signed, ContractsJsonContext.Default.SignedModelManifest), System.Text.Encoding.UTF8, "application/json");
            return response;
        }
    }

    private async Task<ModelFetcher> FetcherAsync() =>
        new(_cloud.Api, await _cloud.Api.GetStringAsync("/api/models/signing-key", TestContext.Current.CancellationToken), _store, _work);

    private async Task UploadAsync(InstalledModel model, TensorSignature[] inputs, string version, string? minAgentVersion = null)
    {
        string manifest = JsonSerializer.Serialize(new ModelPackageManifest
        {
            Name = "silero_vad", Kind = "vad", Version = version, MinAgentVersion = minAgentVersion,
            Inputs = inputs.Select(t => new TensorSpec(t.Name, t.Type, t.Shape)).ToList(),
            Outputs = model.Manifest.Outputs.Select(t => new TensorSpec(t.Name, t.Type, t.Shape)).ToList(),
        }, ContractsJsonContext.Default.ModelPackageManifest);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(manifest), "manifest" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(model.ModelPath)), "file", "model.onnx" },
        };
        HttpResponseMessage response = await _cloud.Api.PostAsync("/api/models", form);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
