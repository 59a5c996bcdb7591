using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace EdgeCloud.Tests.Fleet;

/// <summary>Reads the fleet API as the acceptance check does: plain JSON.</summary>
internal static class FleetApiClient
{
    public static async Task<JsonElement> GetJsonAsync(this HttpClient api, string path)
    {
        HttpResponseMessage response = await api.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Uploads <paramref name="file"/> (default: <paramref name="like"/>'s) as <paramref name="name"/>@<paramref name="version"/>, declaring <paramref name="like"/>'s tensors; the registry's answer.</summary>
    public static async Task<HttpResponseMessage> UploadModelAsync(this HttpClient api, string name, string version, EdgeAgent.Core.Models.InstalledModel like, string? file = null)
    {
        string manifest = JsonSerializer.Serialize(new EdgeAgent.Contracts.ModelPackageManifest
        {
            Name = name, Kind = like.Kind, Version = version,
            Inputs = like.Manifest.Inputs.Select(t => new EdgeAgent.Contracts.TensorSpec(t.Name, t.Type, t.Shape)).ToList(),
            Outputs = like.Manifest.Outputs.Select(t => new EdgeAgent.Contracts.TensorSpec(t.Name, t.Type, t.Shape)).ToList(),
        }, EdgeAgent.Contracts.ContractsJsonContext.Default.ModelPackageManifest);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(manifest), "manifest" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(file ?? like.ModelPath)), "file", "model.onnx" },
        };
        return await api.PostAsync("/api/models", form);
    }

    public static async Task<List<ulong>> SeqsAsync(this HttpClient api, string deviceId) =>
        (await api.GetJsonAsync($"/api/devices/{deviceId}/windows?limit=100000")).EnumerateArray().Select(w => w.GetProperty("seq").GetUInt64()).ToList();

    /// <summary>Polls until <paramref name="condition"/> holds or the timeout passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return await condition();
    }

    public static async Task<HttpResponseMessage> PutFileAsync(this HttpClient api, string path, string file)
    {
        using var content = new StreamContent(File.OpenRead(file));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return await api.PutAsync(path, content);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient api, string path, object body) => api.PostAsJsonAsync(path, body);
}
