using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;

namespace EdgeCloud.Tests.Fleet;

/// <summary>The model registry of the real edge-cloud process, with the real Silero VAD file from the model store.</summary>
[Trait("Category", "Integration")]
public sealed class ModelRegistryTests : IDisposable
{
    private readonly CloudProcess _cloud = new();
    private readonly string _onnx = Path.Combine(TestPaths.Models.Root, "silero_vad", "v6", "model.onnx");

    [Fact]
    public async Task Upload_ComputesTheHashSignsAndServesTheFileWithRanges()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        byte[] bytes = await File.ReadAllBytesAsync(_onnx, ct);

        HttpResponseMessage created = await UploadAsync(Manifest("v6"), bytes);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        JsonElement body = JsonDocument.Parse(await created.Content.ReadAsStringAsync(ct)).RootElement;
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(("silero_vad", "v6", sha256), (body.GetProperty("name").GetString(), body.GetProperty("version").GetString(), body.GetProperty("sha256").GetString()));

        // Immutable: the same version again is refused.
        Assert.Equal(HttpStatusCode.Conflict, (await UploadAsync(Manifest("v6"), [1, 2, 3])).StatusCode);

        // The signature verifies with the registry's public key over the canonical bytes.
        SignedModelManifest signed = JsonSerializer.Deserialize(await _cloud.Api.GetStringAsync("/api/models/silero_vad/v6", ct), ContractsJsonContext.Default.SignedModelManifest)!;
        using var key = ECDsa.Create();
        key.ImportFromPem(await _cloud.Api.GetStringAsync("/api/models/signing-key", ct));
        Assert.True(key.VerifyData(SignedModelManifest.SignedBytes(signed.Manifest, signed.Sha256, signed.Size), Convert.FromBase64String(signed.Signature), HashAlgorithmName.SHA256));
        Assert.False(key.VerifyData(SignedModelManifest.SignedBytes(signed.Manifest with { Version = "v7" }, signed.Sha256, signed.Size), Convert.FromBase64String(signed.Signature), HashAlgorithmName.SHA256));

        // A resumed download: the rest of the file from byte 1000.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/models/silero_vad/v6/file");
        request.Headers.Range = new RangeHeaderValue(1000, null);
        HttpResponseMessage partial = await _cloud.Api.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes.AsSpan(1000).ToArray(), await partial.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal(bytes, await _cloud.Api.GetByteArrayAsync("/api/models/silero_vad/v6/file", ct));

        // Aliases resolve, list and are audited.
        Assert.Equal(HttpStatusCode.OK, (await _cloud.Api.PutAsync("/api/models/silero_vad/aliases/candidate", JsonContent(new { version = "v6" }), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cloud.Api.PutAsync("/api/models/silero_vad/aliases/production", JsonContent(new { version = "v9" }), ct)).StatusCode);
        Assert.Equal(bytes.Length, (await _cloud.Api.GetByteArrayAsync("/api/models/silero_vad/candidate/file", ct)).Length);
        JsonElement list = await _cloud.Api.GetJsonAsync("/api/models");
        Assert.Equal(["candidate"], list[0].GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        JsonElement audit = await _cloud.Api.GetJsonAsync("/api/audit");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "model.upload");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "model.alias");
    }

    [Theory]
    [InlineData("{\"name\":\"silero_vad\",\"kind\":\"speaker\",\"version\":\"v1\",\"inputs\":[{\"name\":\"i\",\"type\":\"float32\",\"shape\":[1]}],\"outputs\":[{\"name\":\"o\",\"type\":\"float32\",\"shape\":[1]}]}", "kind 'speaker'")]
    [InlineData("{\"name\":\"silero vad\",\"kind\":\"vad\",\"version\":\"v1\",\"inputs\":[{\"name\":\"i\",\"type\":\"float32\",\"shape\":[1]}],\"outputs\":[{\"name\":\"o\",\"type\":\"float32\",\"shape\":[1]}]}", "name and version")]
    [InlineData("{\"name\":\"silero_vad\",\"kind\":\"vad\",\"version\":\"v1\",\"inputs\":[{\"name\":\" \",\"type\":\"float32\",\"shape\":[1]}]}", "needs a name, a type and a shape")]
    [InlineData("{\"name\":\"silero_vad\",\"kind\":\"vad\",\"version\":\"v1\"}", "not a model ONNX Runtime can load")]
    [InlineData("{not json", "manifest:")]
    public async Task Upload_BadManifest_SaysWhatIsWrong(string manifest, string problem)
    {
        HttpResponseMessage response = await UploadAsync(manifest, [1, 2, 3]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(problem, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Upload_WithoutTensors_SignsTheFilesOwn_AndRefusesADeclarationTheFileDoesNotHave()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        byte[] bytes = await File.ReadAllBytesAsync(_onnx, ct);

        Assert.Equal(HttpStatusCode.Created, (await UploadAsync("{\"name\":\"silero_vad\",\"kind\":\"vad\",\"version\":\"v6\"}", bytes)).StatusCode);
        SignedModelManifest signed = JsonSerializer.Deserialize(await _cloud.Api.GetStringAsync("/api/models/silero_vad/v6", ct), ContractsJsonContext.Default.SignedModelManifest)!;
        Assert.Equal(["input", "sr", "state"], signed.Manifest.Inputs.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["output", "stateN"], signed.Manifest.Outputs.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal([2L, -1, 128], signed.Manifest.Inputs.Single(t => t.Name == "state").Shape);

        string wrong = Manifest("v7").Replace("\"state\"", "\"h\"", StringComparison.Ordinal);
        HttpResponseMessage refused = await UploadAsync(wrong, bytes);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        string problem = await refused.Content.ReadAsStringAsync(ct);
        Assert.Contains("declares inputs", problem);
        Assert.Contains("state:float32[2,-1,128]", problem);
        Assert.Equal(HttpStatusCode.NotFound, (await _cloud.Api.GetAsync("/api/models/silero_vad/v7", ct)).StatusCode);
    }

    public void Dispose() => _cloud.Dispose();

    private static string Manifest(string version) => JsonSerializer.Serialize(new ModelPackageManifest
    {
        Name = "silero_vad", Kind = "vad", Version = version,
        Inputs = [new("input", "float32", [-1, -1]), new("state", "float32", [2, -1, 128]), new("sr", "int64", [])],
        Outputs = [new("output", "float32", [-1, 1]), new("stateN", "float32", [-1, -1, -1])], // as the file says (the registry checks)
        Thresholds = new() { ["speech"] = 0.5 },
    }, ContractsJsonContext.Default.ModelPackageManifest);

    private Task<HttpResponseMessage> UploadAsync(string manifest, byte[] file)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(manifest), "manifest" },
            { new ByteArrayContent(file), "file", "model.onnx" },
        };
        return _cloud.Api.PostAsync("/api/models", form);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
