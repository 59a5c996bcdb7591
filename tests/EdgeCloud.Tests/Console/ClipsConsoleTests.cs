using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;
using EdgeCloud.Tests.Clips;
using EdgeCloud.Tests.Fleet;

namespace EdgeCloud.Tests.Console;

/// <summary>The console's labelling and quality pages over HTTP (cookie sign-in, antiforgery), against the real cloud.</summary>
[Trait("Category", "Integration")]
public sealed partial class ClipsConsoleTests : IDisposable
{
    private readonly CloudProcess _cloud = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ALabeler_ListensLabelsAndGoesOn_AViewerSeesQualityButNoClip()
    {
        string password = await _cloud.RegisterAsync("kiosk-1", new { site = "consented", micModel = "mic-a" });
        await _cloud.Api.PutAsJsonAsync("/api/clips/policy", ClipFleet.ConsentedPolicy(10), Ct);
        using HttpClient kiosk = _cloud.DeviceClient("kiosk-1", password);
        byte[] key = Convert.FromBase64String((await kiosk.PolicyOfAsync()).PublicKey!);
        byte[] speech = ClipFleet.Speech();
        var sent = new List<ClipMetadata>();
        for (int i = 0; i < 2; i++)
        {
            ClipMetadata m = ClipFleet.Metadata("kiosk-1", DateTimeOffset.UtcNow.AddMinutes(-10 + i), ClipTrigger.Detection, speech.Length);
            Assert.Equal(HttpStatusCode.Created, (await kiosk.PostClipAsync(ClipEnvelope.Seal(m, speech, key))).StatusCode);
            sent.Add(m);
        }

        (HttpClient labeler, string token) = await SignInAsync(await _cloud.NewKeyAsync("ann", "labeler"), "/clips");
        using (labeler)
        {
            string list = await labeler.GetStringAsync("/clips", Ct);
            Assert.Contains(sent[0].ClipId, list);
            Assert.Contains("href=\"/clips\"", list); // the labeler's navigation has Clips
            Assert.DoesNotContain("href=\"/devices\"", list); // and not the fleet

            string page = await labeler.GetStringAsync($"/clips/{sent[1].ClipId}", Ct); // newest first: sent[1], then sent[0]
            Assert.Contains("data-testid=\"spectrogram\"", page);
            Assert.Contains($"src=\"/clips/{sent[1].ClipId}/audio\"", page);
            Assert.Contains($"data-next=\"/clips/{sent[0].ClipId}", page);
            HttpResponseMessage audio = await labeler.GetAsync($"/clips/{sent[1].ClipId}/audio", Ct);
            Assert.Equal("audio/wav", audio.Content.Headers.ContentType!.MediaType);
            Assert.Equal(speech, (await audio.Content.ReadAsByteArrayAsync(Ct))[44..]);

            using var noToken = new FormUrlEncodedContent(new Dictionary<string, string> { ["keywords"] = "hey_jarvis", ["speech"] = "true" });
            Assert.Equal(HttpStatusCode.BadRequest, (await labeler.PostAsync($"/clips/{sent[1].ClipId}/labels", noToken, Ct)).StatusCode);
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__csrf"] = Csrf(page), ["keywords"] = "hey_jarvis", ["speech"] = "true", ["next"] = $"/clips/{sent[0].ClipId}",
            });
            HttpResponseMessage saved = await labeler.PostAsync($"/clips/{sent[1].ClipId}/labels", form, Ct);
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
            Assert.Equal($"/clips/{sent[0].ClipId}", saved.Headers.Location!.OriginalString);
            Assert.NotEmpty(token);
        }

        JsonElement stored = (await _cloud.Api.GetJsonAsync("/api/clips?labelled=true")).EnumerateArray().Single();
        Assert.Equal((sent[1].ClipId, "ann"), (stored.GetProperty("id").GetString(), stored.GetProperty("labels").GetProperty("by").GetString()));
        JsonElement audit = await _cloud.Api.GetJsonAsync("/api/audit");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "clip.listen" && a.GetProperty("actor").GetString() == "ann");

        (HttpClient viewer, _) = await SignInAsync(await _cloud.NewKeyAsync("wall", "viewer"), "/quality");
        using (viewer)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/clips", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"/clips/{sent[0].ClipId}/audio", Ct)).StatusCode);
            string quality = await viewer.GetStringAsync("/quality?model=hey_jarvis&groupBy=micModel", Ct);
            Assert.Contains("data-testid=\"precision-plot\"", quality);
            Assert.Matches("data-testid=\"quality-row\" data-group=\"mic-a\" data-version=\"1.0\"", quality);
            Assert.Contains("1 [0.207, 1]", quality); // one labelled detection, right: precision 1 with its Wilson interval
        }
    }

    public void Dispose() => _cloud.Dispose();

    private static string Csrf(string html) => CsrfField().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("no antiforgery field");

    /// <summary>Signs in through the form (antiforgery) with cookies; the client and the page's token.</summary>
    private async Task<(HttpClient Client, string Token)> SignInAsync(string apiKey, string path)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = _cloud.Api.BaseAddress };
        string signin = await client.GetStringAsync("/signin", Ct);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = Csrf(signin), ["apiKey"] = apiKey, ["returnUrl"] = path });
        HttpResponseMessage signedIn = await client.PostAsync("/signin", form, Ct);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return (client, Csrf(await client.GetStringAsync(path, Ct)));
    }

    [GeneratedRegex("name=\"__csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
