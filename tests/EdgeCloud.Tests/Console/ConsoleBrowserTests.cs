using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeCloud.Tests.Fleet;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EdgeCloud.Tests.Console;

/// <summary>
/// The fleet console in a real Chromium (Debian's, driven by Playwright) against a real edge-cloud with real agents
/// (<see cref="ConsoleFleet"/>). The tests run in the order written: the first opens the alarm page before the fleet
/// reference exists and watches the alarm arrive.
/// </summary>
[Trait("Category", "Integration")]
[TestMethodOrderer(typeof(DeclarationOrder))]
public sealed partial class ConsoleBrowserTests(ConsoleFleet fleet) : IClassFixture<ConsoleFleet>
{
    private static readonly string[] s_explained = ["deviceModel=kiosk-k1", "firmware=2.4.1", "site=lobby"];

    static ConsoleBrowserTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task AlarmsPage_OpenedBeforeTheAlarm_ShowsOneRootCauseWithoutReload()
    {
        IPage page = await fleet.SignInAsync(CloudKey, "/alarms");
        await Expect(page.Locator("[data-testid=alarm-row][data-scope=cohort]")).ToHaveCountAsync(0);
        await page.EvaluateAsync("() => { window.__openedBefore = true; }");

        await fleet.SetReferenceAsync();
        await fleet.WaitForCohortAlarmAsync();

        // The row arrives by the live update: the page was not reloaded (the marker set on it is still there).
        ILocator root = page.Locator("[data-testid=alarm-row][data-scope=cohort][data-root='micModel=mic-b'][data-state=alarm]");
        await Expect(root.First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__openedBefore === true"));

        // One root cause: every cohort alarm row names the microphone; the site, firmware and device model are
        // listed inside it as "contains only mic-b devices", not raised as alarms of their own.
        await Expect(page.Locator("[data-testid=alarm-row][data-scope=cohort]:not([data-root='micModel=mic-b'])")).ToHaveCountAsync(0);
        ILocator bandwidth = page.Locator("[data-testid=alarm-row][data-scope=cohort][data-family=bandwidth]");
        await Expect(bandwidth).ToHaveCountAsync(1);
        foreach (string cohort in s_explained)
        {
            await Expect(bandwidth.Locator($"[data-testid=alarm-explained][data-cohort='{cohort}']")).ToContainTextAsync("contains only mic-b devices");
        }

        // The API says the same: each cohort alarm carries its root cause.
        JsonElement alarms = await fleet.Cloud.Api.GetJsonAsync("/api/alarms?active=true");
        var cohortAlarms = alarms.EnumerateArray().Where(a => a.GetProperty("scope").GetString() == "cohort" && a.GetProperty("family").GetString() == "bandwidth").ToList();
        Assert.Equal(["deviceModel=kiosk-k1", "firmware=2.4.1", "micModel=mic-b", "site=lobby"],
            cohortAlarms.Select(a => $"{a.GetProperty("label").GetString()}={a.GetProperty("group").GetString()}").Order(StringComparer.Ordinal));
        Assert.All(cohortAlarms, a => Assert.Equal("micModel=mic-b", $"{a.GetProperty("rootCause").GetProperty("label").GetString()}={a.GetProperty("rootCause").GetProperty("value").GetString()}"));
        Assert.Equal(3, cohortAlarms.Count(a => a.GetProperty("explainedBy").GetString() == "contains only mic-b devices"));
        Assert.Equal(["kiosk-3"], cohortAlarms.Single(a => a.GetProperty("label").GetString() == "micModel").GetProperty("devices").EnumerateArray().Select(d => d.GetString()));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DevicesPage_ListsEveryDevice_AndFiltersByLabelAndSearch()
    {
        await fleet.SetReferenceAsync();

        // A wrong key is refused on the sign-in page.
        IBrowserContext anonymous = await fleet.Browser.NewContextAsync(new() { BaseURL = fleet.BaseUrl });
        anonymous.SetDefaultNavigationTimeout(ConsoleFleet.NavigationTimeoutMs);
        IPage refused = await anonymous.NewPageAsync();
        await refused.GotoAsync("/devices");
        await refused.Locator("input[name=apiKey]").FillAsync("not-a-key");
        await refused.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(refused.GetByRole(AriaRole.Alert)).ToContainTextAsync("Unknown API key");
        Assert.DoesNotContain("not-a-key", refused.Url, StringComparison.Ordinal);
        await anonymous.CloseAsync();

        IPage page = await fleet.SignInAsync(CloudKey);
        Assert.DoesNotContain(CloudKey, page.Url, StringComparison.Ordinal);
        IReadOnlyList<BrowserContextCookiesResult> cookies = await page.Context.CookiesAsync();
        BrowserContextCookiesResult session = cookies.Single(c => c.Name == "edgecloud-console");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.DoesNotContain(cookies, c => c.Value.Contains(CloudKey, StringComparison.Ordinal));

        ILocator rows = page.GetByTestId("device-row");
        await Expect(rows).ToHaveCountAsync(3);
        foreach (string device in new[] { "kiosk-1", "kiosk-2", "kiosk-3" })
        {
            await Expect(rows.Filter(new() { HasText = device })).ToHaveCountAsync(1);
        }

        await Expect(rows.Filter(new() { HasText = "kiosk-3" })).ToContainTextAsync("micModel=mic-b");
        await Expect(rows.Filter(new() { HasText = "kiosk-3" })).ToContainTextAsync("silero_vad@v5");

        await page.GetByLabel("micModel").SelectOptionAsync("mic-b");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.WaitForURLAsync("**/devices?*micModel=mic-b*");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync("kiosk-3");

        await page.GotoAsync("/devices?site=hall");
        await Expect(rows).ToHaveCountAsync(2);
        await page.GotoAsync("/devices?q=kiosk-2");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync("kiosk-2");

        // The device's own page: its windows over time.
        await page.GotoAsync("/devices/kiosk-3");
        await Expect(page.GetByTestId("window-row").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("windows-plot")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task CohortsPage_ShowsTheBandLimitedMicrophoneDrifting_WithItsPlots()
    {
        await fleet.SetReferenceAsync();
        IPage page = await fleet.SignInAsync(CloudKey, "/cohorts?groupBy=micModel");

        ILocator micB = page.Locator("[data-testid=cohort-row][data-group=mic-b]");
        await Expect(micB).ToContainTextAsync("mic-b");
        await Expect(micB).ToContainTextAsync("drift");
        await Expect(micB).ToContainTextAsync("kiosk-3");
        await Expect(page.Locator("[data-testid=cohort-row][data-group=mic-a]")).ToContainTextAsync("ok");

        // The drifting cohort is chosen, with its distribution, hourly score and fingerprint plots.
        ILocator plots = page.Locator("svg[data-testid=drift-plot]");
        await Expect(plots).ToHaveCountAsync(3);
        await Expect(plots.First).ToBeVisibleAsync();
        Assert.True(await plots.Nth(1).Locator("line[data-threshold]").CountAsync() == 1, "the hourly score plot draws its threshold line");
        await page.ScreenshotAsync(new() { Path = ConsoleFleet.DocsPath("console-cohorts.png"), FullPage = true });

        // Another label and the fingerprint chosen by URL (a link can be shared).
        await page.GotoAsync("/cohorts?groupBy=site&cohort=lobby&feature=mel_fingerprint");
        await Expect(page.Locator("[data-testid=cohort-row][data-group=lobby]")).ToContainTextAsync("drift");
        await Expect(page.Locator("svg[data-testid=drift-plot]")).ToHaveCountAsync(2);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Operator_StartsARolloutFromTheForm_PausesAndResumesIt_AndTheApiShowsIt()
    {
        await fleet.SetReferenceAsync();
        IPage page = await fleet.SignInAsync(fleet.OperatorKey, "/rollouts");
        await page.GetByLabel("model version").SelectOptionAsync("silero_vad@v6");
        await page.GetByLabel("strategy").SelectOptionAsync("shadow");
        await page.GetByLabel("shadow seconds").FillAsync("900");
        await page.GetByLabel("stages (percent:bake seconds,…)").FillAsync("");
        await page.GetByLabel("device deadline seconds").FillAsync("3600");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start rollout" }).ClickAsync();
        await page.WaitForURLAsync(RolloutUrl());
        string id = RolloutUrl().Match(page.Url).Groups[1].Value;
        await Expect(page.GetByTestId("rollout-state")).ToHaveTextAsync("running");
        Assert.Equal("running", (await fleet.Cloud.Api.GetJsonAsync($"/api/rollouts/{id}")).GetProperty("state").GetString());

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(page.GetByTestId("rollout-state")).ToHaveTextAsync("paused");
        Assert.Equal("paused", (await fleet.Cloud.Api.GetJsonAsync($"/api/rollouts/{id}")).GetProperty("state").GetString());
        await Expect(page.GetByTestId("history-row").First).ToContainTextAsync("paused");
        await page.ScreenshotAsync(new() { Path = ConsoleFleet.DocsPath("console-rollout.png"), FullPage = true });

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(page.GetByTestId("rollout-state")).ToHaveTextAsync("running");
        JsonElement view = await fleet.Cloud.Api.GetJsonAsync($"/api/rollouts/{id}");
        Assert.Equal("running", view.GetProperty("state").GetString());
        Assert.Contains(view.GetProperty("history").EnumerateArray(), h => h.GetProperty("to").GetString() == "paused" && h.GetProperty("by").GetString() == "fleet operator");

        // The list shows it too, and the audit records who did it.
        await page.GotoAsync("/rollouts");
        await Expect(page.Locator($"[data-testid=rollout-row][data-rollout-id='{id}'] [data-testid=rollout-state]")).ToHaveTextAsync("running");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_SeesNoMutationButtons_AndTheServerAndTheApiRefuseTheirPosts()
    {
        string id = await RolloutIdAsync();
        IPage page = await fleet.SignInAsync(fleet.ViewerKey, $"/rollouts/{id}");
        await Expect(page.GetByTestId("rollout-state")).ToBeVisibleAsync();
        foreach (string action in new[] { "Pause", "Resume", "Promote", "Abort", "Rollback" })
        {
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = action, Exact = true })).ToHaveCountAsync(0);
        }

        await page.GotoAsync("/rollouts");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start rollout" })).ToHaveCountAsync(0);

        // The console refuses the viewer's POST (its session cookie, with a valid antiforgery token from the page)...
        string token = await page.Locator("input[name=__csrf]").First.GetAttributeAsync("value") ?? "";
        IAPIResponse post = await page.Context.APIRequest.PostAsync($"/rollouts/{id}/pause", new() { Form = FormWith(page, token) });
        Assert.Equal((int)HttpStatusCode.Forbidden, post.Status);

        // ...and so does the API with the viewer's key.
        using var api = new HttpClient { BaseAddress = new Uri(fleet.BaseUrl) };
        api.DefaultRequestHeaders.Add("X-Api-Key", fleet.ViewerKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.PostAsync($"/api/rollouts/{id}/pause", null, TestContext.Current.CancellationToken)).StatusCode);
        Assert.NotEqual("paused", (await fleet.Cloud.Api.GetJsonAsync($"/api/rollouts/{id}")).GetProperty("state").GetString());

        // A POST without the antiforgery token is refused even for an operator.
        IPage operatorPage = await fleet.SignInAsync(fleet.OperatorKey, $"/rollouts/{id}");
        IAPIResponse forged = await operatorPage.Context.APIRequest.PostAsync($"/rollouts/{id}/pause", new() { Form = operatorPage.Context.APIRequest.CreateFormData() });
        Assert.Equal((int)HttpStatusCode.BadRequest, forged.Status);
        await page.Context.CloseAsync();
        await operatorPage.Context.CloseAsync();
    }

    [Fact]
    public async Task EveryPage_NamesItsButtonsAndLabelsItsInputs_AndTheRolloutButtonsAreReachableByKeyboard()
    {
        string id = await RolloutIdAsync();
        IPage page = await fleet.SignInAsync(fleet.OperatorKey, $"/rollouts/{id}");
        foreach (string path in new[] { "/devices", "/devices/kiosk-3", "/cohorts?groupBy=micModel", "/alarms", "/rollouts", $"/rollouts/{id}", "/models?name=silero_vad&a=v5&b=v6" })
        {
            await page.GotoAsync(path);
            ILocator buttons = page.Locator("button");
            for (int i = 0; i < await buttons.CountAsync(); i++)
            {
                await Expect(buttons.Nth(i)).ToHaveAccessibleNameAsync(NonEmpty(), new() { Timeout = 2000 });
            }

            ILocator inputs = page.Locator("input:not([type=hidden]), select");
            for (int i = 0; i < await inputs.CountAsync(); i++)
            {
                await Expect(inputs.Nth(i)).ToHaveAccessibleNameAsync(NonEmpty(), new() { Timeout = 2000 });
            }

            await Expect(page.Locator("svg[role=img]:not([aria-label])")).ToHaveCountAsync(0);
        }

        // The accessibility tree of the rollout page holds the five action buttons by name...
        await page.GotoAsync($"/rollouts/{id}");
        string tree = await page.Locator("main").AriaSnapshotAsync();
        foreach (string action in new[] { "Pause", "Resume", "Promote", "Abort", "Rollback" })
        {
            Assert.Contains($"button \"{action}\"", tree, StringComparison.Ordinal);
        }

        // ...and Tab reaches each of them.
        var reached = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 40 && reached.Count < 5; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            string? action = await page.EvaluateAsync<string?>("() => document.activeElement?.getAttribute('data-action')");
            if (action is not null)
            {
                reached.Add(action);
            }
        }

        Assert.Equal(["abort", "pause", "promote", "resume", "rollback"], reached.Order(StringComparer.Ordinal));
        await page.Context.CloseAsync();
    }

    private static string CloudKey => EdgeAgent.TestSupport.CloudProcess.AdminKey;

    private static IFormData FormWith(IPage page, string token)
    {
        IFormData form = page.Context.APIRequest.CreateFormData();
        form.Set("__csrf", token);
        return form;
    }

    /// <summary>A rollout to look at: the first one, or a long shadow of VAD v6 started through the API.</summary>
    private async Task<string> RolloutIdAsync()
    {
        await fleet.SetReferenceAsync();
        JsonElement list = await fleet.Cloud.Api.GetJsonAsync("/api/rollouts");
        if (list.GetArrayLength() > 0)
        {
            return list[0].GetProperty("id").GetString()!;
        }

        HttpResponseMessage created = await fleet.Cloud.Api.PostJsonAsync("/api/rollouts", new
        {
            model = "silero_vad", version = "v6", target = "all", strategy = "shadow", shadowSeconds = 900, deviceDeadlineSeconds = 3600,
        });
        string text = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    [GeneratedRegex(@"/rollouts/([^/?#]+)$")]
    private static partial Regex RolloutUrl();

    [GeneratedRegex(@"\S")]
    private static partial Regex NonEmpty();
}
