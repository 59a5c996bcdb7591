using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;
using EdgeCloud.Tests.Fleet;

namespace EdgeCloud.Tests.Clips;

/// <summary>Two cloud instances on one PostgreSQL database: one clip key, and a clip taken by one is served by the other.</summary>
[Trait("Category", "Integration")]
public sealed class ClipsOnPostgresTests : IDisposable
{
    private readonly CloudProcess _a;
    private readonly CloudProcess _b;

    public ClipsOnPostgresTests()
    {
        string database = PostgresServer.Shared.CreateDatabase();
        string[] postgres = ["--EdgeCloud:Storage:Provider=postgres", $"--EdgeCloud:Storage:ConnectionString={database}"];
        _a = new CloudProcess(null, postgres);
        _b = new CloudProcess(null, postgres);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AClipUploadedThroughOneInstance_IsListenedToThroughTheOther_AndItsRetryIsADuplicateThere()
    {
        string password = await _a.RegisterAsync("kiosk-1", new { site = "consented", micModel = "mic-a" });
        Assert.True((await _a.Api.PutAsJsonAsync("/api/clips/policy", ClipFleet.ConsentedPolicy(5), Ct)).IsSuccessStatusCode);
        using HttpClient viaA = _a.DeviceClient("kiosk-1", password);
        using HttpClient viaB = _b.DeviceClient("kiosk-1", password);
        ClipPolicy fromA = await viaA.PolicyOfAsync(), fromB = await viaB.PolicyOfAsync();
        Assert.True(fromB.Enabled); // the policy set through A
        Assert.Equal(fromA.PublicKey, fromB.PublicKey); // one key for both
        Assert.Equal(fromA.Version, fromB.Version);

        byte[] speech = ClipFleet.Speech();
        ClipMetadata m = ClipFleet.Metadata("kiosk-1", DateTimeOffset.UtcNow.AddMinutes(-1), ClipTrigger.Detection, speech.Length);
        byte[] sealedClip = ClipEnvelope.Seal(m, speech, Convert.FromBase64String(fromA.PublicKey!));
        Assert.Equal(HttpStatusCode.Created, (await viaA.PostClipAsync(sealedClip)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viaB.PostClipAsync(sealedClip)).StatusCode); // the retry went to the other instance

        HttpResponseMessage audio = await _b.Api.GetAsync($"/api/clips/{m.ClipId}/audio", Ct);
        Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
        Assert.Equal(speech, (await audio.Content.ReadAsByteArrayAsync(Ct))[44..]);
        JsonElement audit = await _a.Api.GetJsonAsync("/api/audit");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "clip.listen" && a.GetProperty("target").GetString() == m.ClipId);
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
