using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeAgent.TestSupport;

namespace EdgeCloud.Tests.Fleet;

/// <summary>API keys, roles, the audit log and the OpenAPI document of the real edge-cloud process.</summary>
[Trait("Category", "Integration")]
public sealed class FleetApiSecurityTests : IDisposable
{
    private readonly CloudProcess _cloud = new();

    [Fact]
    public async Task Roles_LimitWhatAKeyMayDo_AndEveryMutationIsAudited()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string viewer = await NewKeyAsync("wall-screen", "viewer");
        string op = await NewKeyAsync("field-ops", "operator");

        using var anonymous = new HttpClient { BaseAddress = _cloud.Api.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/devices", ct)).StatusCode);
        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "not-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/devices", ct)).StatusCode);

        using HttpClient asViewer = Client(viewer);
        Assert.Equal(HttpStatusCode.OK, (await asViewer.GetAsync("/api/devices", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asViewer.PostAsJsonAsync("/api/devices", new { deviceId = "x1" }, ct)).StatusCode);

        using HttpClient asOperator = Client(op);
        Assert.Equal(HttpStatusCode.Created, (await asOperator.PostAsJsonAsync("/api/devices", new { deviceId = "x1", labels = new { site = "s" } }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await asOperator.PostAsJsonAsync("/api/devices", new { deviceId = "x1" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await asOperator.PostAsJsonAsync("/api/devices", new { deviceId = "bad/id" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asOperator.PostAsJsonAsync("/api/apikeys", new { name = "n", role = "admin" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asOperator.GetAsync("/api/audit", ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await asViewer.PostAsJsonAsync("/api/rollouts", new { model = "m" }, ct)).StatusCode);

        // A device (HTTP Basic with its MQTT credentials) may read the registry, nothing else.
        string password = await _cloud.RegisterAsync("kiosk-9", new { site = "s" });
        using var asDevice = new HttpClient { BaseAddress = _cloud.Api.BaseAddress };
        asDevice.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"kiosk-9:{password}")));
        Assert.Equal(HttpStatusCode.OK, (await asDevice.GetAsync("/api/models/signing-key", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asDevice.GetAsync("/api/devices", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asDevice.GetAsync("/api/models", ct)).StatusCode);
        asDevice.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("kiosk-9:wrong")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await asDevice.GetAsync("/api/models/signing-key", ct)).StatusCode);

        JsonElement audit = await _cloud.Api.GetJsonAsync("/api/audit");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "device.register"
            && a.GetProperty("actor").GetString() == "field-ops" && a.GetProperty("target").GetString() == "x1");
        Assert.Equal(2, audit.EnumerateArray().Count(a => a.GetProperty("action").GetString() == "apikey.create"));
    }

    [Fact]
    public async Task BadRequests_SayWhatIsWrong()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using var notAProfile = new StringContent("{\"schemaVersion\": 7}", System.Text.Encoding.UTF8, "application/json");
        HttpResponseMessage reference = await _cloud.Api.PutAsync("/api/fleet/reference", notAProfile, ct);
        Assert.Equal(HttpStatusCode.BadRequest, reference.StatusCode);
        string problem = await reference.Content.ReadAsStringAsync(ct);
        Assert.Contains("not a profile", problem);
        Assert.Contains("features", problem); // the missing part is named

        HttpResponseMessage noReference = await _cloud.Api.GetAsync("/api/fleet/drift?groupBy=micModel", ct);
        Assert.Equal(HttpStatusCode.Conflict, noReference.StatusCode);
        Assert.Contains("PUT /api/fleet/reference", await noReference.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.BadRequest, (await _cloud.Api.GetAsync("/api/fleet/drift?groupBy=colour", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cloud.Api.GetAsync("/api/devices/nobody/windows", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cloud.Api.PostAsync("/api/devices/nobody/commands/ping", null, ct)).StatusCode);

        HttpResponseMessage badRollout = await _cloud.Api.PostAsJsonAsync("/api/rollouts", new { model = "silero_vad", strategy = "big-bang", target = "some", stages = new[] { new { percent = 150, bakeSeconds = 1 } } }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, badRollout.StatusCode);
        string rolloutProblems = await badRollout.Content.ReadAsStringAsync(ct);
        foreach (string named in new[] { "version is required", "strategy must be one of shadow, canary, blue-green", "target must be", "stages[0]" })
        {
            Assert.Contains(named, rolloutProblems);
        }

        HttpResponseMessage unknownModel = await _cloud.Api.PostAsJsonAsync("/api/rollouts", new { model = "nothing", version = "1", strategy = "canary", target = "all", stages = new[] { new { percent = 100, bakeSeconds = 1 } } }, ct);
        Assert.Equal(HttpStatusCode.NotFound, unknownModel.StatusCode);
        Assert.Contains("no model nothing@1 in the registry", await unknownModel.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.NotFound, (await _cloud.Api.GetAsync("/api/rollouts/ro-none", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cloud.Api.PostAsync("/api/rollouts/ro-none/rollback", null, ct)).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheFleetApi()
    {
        JsonElement doc = await _cloud.Api.GetJsonAsync("/openapi/v1.json");

        JsonElement paths = doc.GetProperty("paths");
        foreach (string path in new[] { "/api/devices", "/api/devices/{id}/windows", "/api/fleet/drift", "/api/fleet/reference", "/api/alarms", "/api/ingest/stats", "/api/devices/{id}/commands/{name}", "/api/rollouts", "/api/rollouts/{id}", "/api/models" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from the OpenAPI document");
        }
    }

    public void Dispose() => _cloud.Dispose();

    private async Task<string> NewKeyAsync(string name, string role)
    {
        HttpResponseMessage response = await _cloud.Api.PostAsJsonAsync("/api/apikeys", new { name, role });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
    }

    private HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = _cloud.Api.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }
}
