using System.Net.Http.Json;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Tests.Clips;
using EdgeCloud.Tests.Fleet;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EdgeCloud.Tests.Console;

/// <summary>The labelling page in the browser: its keyboard shortcuts label a clip and go on to the next.</summary>
public sealed partial class ConsoleBrowserTests
{
    [Fact]
    public async Task ClipPage_KeyboardShortcuts_LabelAndGoOn()
    {
        // kiosk-2 (registered, no agent) sends two detection clips; the policy selects its site only.
        object policy = new { target = new { labels = new { site = "hall" } }, enabled = true, triggers = new { detections = true }, maxClipsPerHour = 10, retentionDays = 7 };
        Assert.True((await fleet.Cloud.Api.PutAsJsonAsync("/api/clips/policy", policy, TestContext.Current.CancellationToken)).IsSuccessStatusCode);
        using HttpClient kiosk = fleet.Cloud.DeviceClient("kiosk-2", fleet.IdlePassword);
        byte[] key = Convert.FromBase64String((await kiosk.PolicyOfAsync()).PublicKey!);
        byte[] speech = ClipFleet.Speech();
        var sent = new List<ClipMetadata>();
        for (int i = 0; i < 2; i++)
        {
            ClipMetadata m = ClipFleet.Metadata("kiosk-2", DateTimeOffset.UtcNow.AddMinutes(-10 + i), ClipTrigger.Detection, speech.Length);
            Assert.True((await kiosk.PostClipAsync(ClipEnvelope.Seal(m, speech, key))).IsSuccessStatusCode);
            sent.Add(m);
        }

        // Newest first: sent[1], then sent[0].
        IPage page = await fleet.SignInAsync(fleet.OperatorKey, $"/clips/{sent[1].ClipId}?trigger=&show=unlabelled");
        await Expect(page.Locator("[data-testid=spectrogram]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=clip-audio]")).ToHaveAttributeAsync("src", $"/clips/{sent[1].ClipId}/audio");
        await page.Keyboard.PressAsync("y");
        await page.WaitForURLAsync(url => url.Contains(sent[0].ClipId, StringComparison.Ordinal));
        await page.Keyboard.PressAsync("s"); // no speech either
        await page.Keyboard.PressAsync("n");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/clips");

        JsonElement clips = await fleet.Cloud.Api.GetJsonAsync("/api/clips?deviceId=kiosk-2&labelled=true");
        JsonElement said = clips.EnumerateArray().Single(c => c.GetProperty("id").GetString() == sent[1].ClipId).GetProperty("labels");
        JsonElement notSaid = clips.EnumerateArray().Single(c => c.GetProperty("id").GetString() == sent[0].ClipId).GetProperty("labels");
        Assert.Equal(("hey_jarvis", true, "fleet operator"), (said.GetProperty("keywords")[0].GetString(), said.GetProperty("speech").GetBoolean(), said.GetProperty("by").GetString()));
        Assert.Equal((0, false), (notSaid.GetProperty("keywords").GetArrayLength(), notSaid.GetProperty("speech").GetBoolean()));
        await page.Context.CloseAsync();
    }
}
