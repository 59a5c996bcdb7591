using System.Net.Http.Json;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;
using EdgeCloud.Tests.Fleet;
using Microsoft.Playwright;

namespace EdgeCloud.Tests.Console;

/// <summary>
/// One real edge-cloud, real agents and one real Chromium for the console's browser tests. kiosk-1 hears clean
/// speech through mic-a, kiosk-3 the same kind of speech through a band-limited microphone (mic-b) and is the only
/// device of its site, firmware and device model (the demo's fleet); kiosk-2 is registered but never connected.
/// The agents play their audio once as fast as they can, so the windows are in before the first test; the fleet
/// reference is set by <see cref="SetReferenceAsync"/>, so that a test can watch the alarm arrive.
/// </summary>
public sealed class ConsoleFleet : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Page loads wait this long: on the shared 2-core machine (load average 14-16) a load took over 30 s once.</summary>
    public const float NavigationTimeoutMs = 90_000;
    private readonly SemaphoreSlim _reference = new(1, 1);
    private bool _referenceSet;
    private IPlaywright? _playwright;

    public CloudProcess Cloud { get; } = new(null, "--EdgeCloud:Fleet:EvaluateEverySeconds=1", "--EdgeCloud:Rollouts:TickSeconds=0.5");

    public string ViewerKey { get; private set; } = "";

    public string OperatorKey { get; private set; } = "";

    /// <summary>kiosk-2's password (it runs no agent; the clip tests upload as it).</summary>
    public string IdlePassword { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl => $"http://127.0.0.1:{Cloud.HttpPort}";

    public async ValueTask InitializeAsync()
    {
        ViewerKey = await CreateKeyAsync("wall screen", "viewer");
        OperatorKey = await CreateKeyAsync("fleet operator", "operator");
        string clean = await Cloud.RegisterAsync("kiosk-1", new { deviceModel = "kiosk-k0", micModel = "mic-a", firmware = "2.3.9", site = "hall" });
        IdlePassword = await Cloud.RegisterAsync("kiosk-2", new { deviceModel = "kiosk-k0", micModel = "mic-a", firmware = "2.3.9", site = "hall" });
        string changed = await Cloud.RegisterAsync("kiosk-3", new { deviceModel = "kiosk-k1", micModel = "mic-b", firmware = "2.4.1", site = "lobby" });
        await UploadAsync("silero_vad", "v6", TestPaths.Models.Find("silero_vad", "v6"));

        using (AgentProcess a = Agent("kiosk-1", clean, DriftCorpus.CleanCurrent, "mic-a"))
        using (AgentProcess b = Agent("kiosk-3", changed, DriftCorpus.Scenario("new-mic-lowpass-3k4"), "mic-b"))
        {
            Assert.True(a.WaitForExit(TimeSpan.FromSeconds(150)) == 0, a.Output);
            Assert.True(b.WaitForExit(TimeSpan.FromSeconds(150)) == 0, b.Output);
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, // Debian's chromium: Playwright never downloads a browser here
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        });
    }

    /// <summary>Puts the fleet reference (once) and waits for the band-limited microphone's cohort alarm.</summary>
    public async Task SetReferenceAsync()
    {
        await _reference.WaitAsync();
        try
        {
            if (_referenceSet)
            {
                return;
            }

            string path = Path.Combine(TestPaths.NewTempDirectory(), "reference.json");
            ExternalTool.Result built = Edgectl.Run("profile", "build", DriftCorpus.Reference, "-o", path, "--description", "console test reference");
            Assert.True(built.ExitCode == 0, built.StdErr);
            HttpResponseMessage put = await Cloud.Api.PutFileAsync("/api/fleet/reference", path);
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            _referenceSet = true;
        }
        finally
        {
            _reference.Release();
        }
    }

    public async Task WaitForCohortAlarmAsync() =>
        Assert.True(await FleetApiClient.EventuallyAsync(
            async () => (await Cloud.Api.GetJsonAsync("/api/alarms?active=true")).EnumerateArray()
                .Any(a => a.GetProperty("scope").GetString() == "cohort" && a.GetProperty("group").GetString() == "mic-b" && a.GetProperty("state").GetString() == "alarm"),
            TimeSpan.FromSeconds(60)), Cloud.Output);

    /// <summary>A new browser context (its own cookies) signed in with <paramref name="key"/>, on <paramref name="path"/>.</summary>
    public async Task<IPage> SignInAsync(string key, string path = "/devices")
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultNavigationTimeout(NavigationTimeoutMs);
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.Locator("input[name=apiKey]").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        try
        {
            await page.WaitForURLAsync(url => new Uri(url).PathAndQuery == path, new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"signing in for {path} ended on {page.Url}:\n{await page.ContentAsync()}\n--- cloud ---\n{Cloud.Output}");
        }

        return page;
    }

    public static string DocsPath(string file) => Path.Combine(Directory.CreateDirectory(Path.Combine(TestPaths.RepoRoot, "docs")).FullName, file);

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Cloud.Dispose();
        _reference.Dispose();
    }

    private async Task<string> CreateKeyAsync(string name, string role)
    {
        HttpResponseMessage response = await Cloud.Api.PostAsJsonAsync("/api/apikeys", new { name, role });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
    }

    private async Task UploadAsync(string name, string version, InstalledModel like)
    {
        HttpResponseMessage response = await Cloud.Api.UploadModelAsync(name, version, like);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private AgentProcess Agent(string deviceId, string password, string wav, string micModel) =>
        new(TestPaths.NewTempDirectory(),
        [
            $"--EdgeAgent:DeviceId={deviceId}",
            $"--EdgeAgent:Source=wav:{wav}",
            "--EdgeAgent:Telemetry:WindowSeconds=5",
            "--EdgeAgent:Mqtt:Host=127.0.0.1",
            $"--EdgeAgent:Mqtt:Port={Cloud.MqttPort}",
            $"--EdgeAgent:Mqtt:Username={deviceId}",
            $"--EdgeAgent:Mqtt:Password={password}",
            $"--EdgeAgent:Labels:MicModel={micModel}",
        ]);
}
