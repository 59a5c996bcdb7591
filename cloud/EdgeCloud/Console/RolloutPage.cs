using System.Globalization;
using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;
using Microsoft.AspNetCore.Antiforgery;

namespace EdgeCloud.Console;

/// <summary>
/// <c>/rollouts/{id}</c>: state (as the API spells it), current step, a progress bar per stage, every device's phase
/// with its reason and health (agreement, p95), the history; for operators the buttons pause, resume, promote, abort
/// and rollback, which POST (antiforgery) to the same engine command as <c>POST /api/rollouts/{id}/{action}</c>.
/// </summary>
public static class RolloutPage
{
    private static readonly string[] s_reached = [RolloutProgress.ActivePhase, RolloutProgress.CommittedPhase];

    public static async Task<IResult> RenderAsync(string id, HttpContext http, RolloutEngine engine, CancellationToken ct) =>
        await PageAsync(id, http, engine, null, http.Request.Query["done"].FirstOrDefault(), StatusCodes.Status200OK, ct);

    /// <summary>An action button's POST (operator, antiforgery).</summary>
    public static async Task<IResult> ActAsync(string id, string action, HttpContext http, IAntiforgery antiforgery, RolloutEngine engine, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status400BadRequest, "The form expired or did not come from this console: reload the page and try again.");
        }

        if (!RolloutApi.Actions.Contains(action))
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status404NotFound, $"No action '{action}' ({string.Join(", ", RolloutApi.Actions)}).");
        }

        if (await engine.GetAsync(id, ct) is null)
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status404NotFound, $"No rollout {id}.");
        }

        (Rollout? rollout, string? problem) = await engine.CommandAsync(id, action, http.User.Identity?.Name ?? "?", ct);
        return rollout is null
            ? await PageAsync(id, http, engine, problem, null, StatusCodes.Status409Conflict, ct)
            : Results.Redirect($"/rollouts/{Uri.EscapeDataString(id)}?done={Uri.EscapeDataString(action)}");
    }

    private static async Task<IResult> PageAsync(string id, HttpContext http, RolloutEngine engine, string? problem, string? done, int status, CancellationToken ct)
    {
        if (await engine.GetAsync(id, ct) is not { } rollout)
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status404NotFound, $"No rollout {id}.");
        }

        RolloutView view = RolloutView.From(rollout, await engine.ReportsAsync(id, ct));
        bool operate = http.User.CanOperate();
        return ConsoleLayout.Page(http, $"Rollout {id}", html =>
        {
            if (problem is not null)
            {
                html.Element("p", problem, ("class", "error"), ("role", "alert"));
            }
            else if (done is not null && RolloutApi.Actions.Contains(done))
            {
                html.Element("p", $"{done}: done", ("class", "notice"), ("role", "status"));
            }
        }, html =>
        {
            html.Open("dl", ("class", "kv"));
            html.Element("dt", "state").Open("dd").Element("strong", rollout.State.Name(), ("data-testid", "rollout-state"), ("class", $"state-{rollout.State.Name()}")).Close();
            html.Element("dt", "model").Element("dd", $"{rollout.Model}@{rollout.Version} ({rollout.Kind})");
            html.Element("dt", "strategy").Element("dd", rollout.Strategy.Name());
            html.Element("dt", "step").Element("dd", $"{rollout.Step.Name()}{(rollout.AwaitingApproval ? " — awaiting approval (promote)" : "")}", ("data-testid", "rollout-step"));
            html.Element("dt", "target").Element("dd", rollout.Target is null ? "all devices" : string.Join(", ", rollout.Target.Select(t => $"{t.Key}={t.Value}")));
            html.Element("dt", "gates").Element("dd", Gates(rollout.Gates));
            html.Element("dt", "created").Element("dd", $"{ConsoleLayout.Time(rollout.CreatedAt)} by {rollout.CreatedBy ?? "?"}");
            html.Close();
            if (operate)
            {
                Actions(html, http, rollout);
            }

            Progress(html, rollout, view);
            Devices(html, view);
            History(html, view);
        }, status);
    }

    private static string Gates(RolloutGates g) => string.Create(CultureInfo.InvariantCulture,
        $"≥ {g.MinDevices} device(s), ≥ {g.MinSamples} samples, agreement ≥ {g.MinAgreement:0.##}, p95 ≤ {(g.MaxP95Ms > 0 ? $"{g.MaxP95Ms:0.#} ms" : "any")}, error rate ≤ {g.MaxErrorRate:0.##}");

    private static void Actions(HtmlWriter html, HttpContext http, Rollout rollout)
    {
        html.Open("div", ("class", "actions"), ("role", "group"), ("aria-label", "Rollout actions"));
        foreach (string action in RolloutApi.Actions)
        {
            html.Open("form", ("method", "post"), ("action", $"/rollouts/{Uri.EscapeDataString(rollout.Id)}/{action}"), ("class", "actions"));
            ConsoleLayout.Csrf(html, http);
            html.Element("button", char.ToUpperInvariant(action[0]) + action[1..], ("type", "submit"), ("name", "action"), ("value", action),
                ("class", action is "abort" or "rollback" ? "danger" : null), ("data-action", action));
            html.Close();
        }

        html.Close();
    }

    /// <summary>Shadow: devices in shadow or beyond; each stage: of the devices it takes (by rank), those active or committed.</summary>
    private static void Progress(HtmlWriter html, Rollout rollout, RolloutView view)
    {
        html.Element("h2", "Progress");
        Dictionary<string, string> phase = view.Devices.ToDictionary(d => d.DeviceId, d => d.Phase, StringComparer.Ordinal);
        List<RolloutDevice> ranked = rollout.Devices.OrderBy(d => d.Rank).ToList();
        html.Open("ul", ("class", "progress"));
        if (rollout.ShadowSeconds > 0)
        {
            int shadowed = ranked.Count(d => phase.GetValueOrDefault(d.DeviceId) is RolloutProgress.ShadowPhase or RolloutProgress.ActivePhase or RolloutProgress.CommittedPhase);
            Bar(html, $"Shadow ({rollout.ShadowSeconds} s): {shadowed} of {ranked.Count} device(s) in shadow or beyond", shadowed, ranked.Count);
        }

        for (int i = 0; i < rollout.Stages.Count; i++)
        {
            RolloutStage stage = rollout.Stages[i];
            int take = (int)Math.Ceiling(ranked.Count * stage.Percent / 100.0);
            int reached = ranked.Take(take).Count(d => s_reached.Contains(phase.GetValueOrDefault(d.DeviceId)));
            string where = i < rollout.Stage || rollout.Step == RolloutStep.Done ? "passed" : i == rollout.Stage && rollout.Step == RolloutStep.Stage ? "current" : "to come";
            Bar(html, $"Stage {i + 1} ({stage.Percent} %, bake {stage.BakeSeconds} s, {where}): {reached} of {take} device(s) active", reached, take);
        }

        html.Close();
    }

    private static void Bar(HtmlWriter html, string label, int value, int max)
    {
        html.Open("li").Open("label").Text(label + " ");
        html.Open("progress", ("max", Math.Max(1, max).ToString(CultureInfo.InvariantCulture)), ("value", value.ToString(CultureInfo.InvariantCulture)), ("data-testid", "stage-progress")).Close();
        html.Close().Close();
    }

    private static void Devices(HtmlWriter html, RolloutView view)
    {
        html.Element("h2", "Devices");
        html.Open("table", ("aria-label", "Device phases")).Open("thead").Open("tr");
        foreach (string h in new[] { "Device", "Phase", "Reason", "Asked", "Baseline", "Samples", "Agreement", "Score shift", "p95 ms", "Errors", "Reported" })
        {
            html.Element("th", h, ("scope", "col"));
        }

        html.Close().Close().Open("tbody");
        foreach (RolloutDeviceView d in view.Devices)
        {
            html.Open("tr", ("data-testid", "rollout-device-row"), ("data-device-id", d.DeviceId), ("data-phase", d.Phase));
            html.Open("td").Element("a", d.DeviceId, ("href", $"/devices/{Uri.EscapeDataString(d.DeviceId)}")).Close();
            html.Element("td", d.Phase).Element("td", d.Reason ?? "–").Element("td", d.Asked ?? "–").Element("td", d.Baseline ?? "–");
            CandidateHealth? h = d.Health;
            html.Element("td", h?.Samples.ToString(CultureInfo.InvariantCulture) ?? "–");
            html.Element("td", h?.Agreement is { } a ? HtmlWriter.Number(a, "0.000") : "–");
            html.Element("td", h is null ? "–" : HtmlWriter.Number(h.ScoreShift, "0.000"));
            html.Element("td", h is null ? "–" : HtmlWriter.Number(h.P95Ms, "0.0"));
            html.Element("td", h?.Errors.ToString(CultureInfo.InvariantCulture) ?? "–");
            ConsoleLayout.TimeCell(html, d.At);
            html.Close();
        }

        html.Close().Close();
    }

    private static void History(HtmlWriter html, RolloutView view)
    {
        html.Element("h2", "History");
        html.Open("table", ("aria-label", "Rollout history")).Open("thead").Open("tr");
        foreach (string h in new[] { "At", "From", "To", "Reason", "By" })
        {
            html.Element("th", h, ("scope", "col"));
        }

        html.Close().Close().Open("tbody");
        foreach (RolloutTransition t in Enumerable.Reverse(view.History))
        {
            html.Open("tr", ("data-testid", "history-row"));
            ConsoleLayout.TimeCell(html, t.At);
            html.Element("td", t.From).Element("td", t.To).Element("td", t.Reason).Element("td", t.By).Close();
        }

        html.Close().Close();
    }
}
