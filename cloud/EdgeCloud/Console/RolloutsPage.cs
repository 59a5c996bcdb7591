using System.Globalization;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Antiforgery;

namespace EdgeCloud.Console;

/// <summary>
/// <c>/rollouts</c>: every rollout with its state, step and stage; for operators, a form that starts a rollout of a
/// registered model version (through <see cref="RolloutApi.StartAsync"/>, as <c>POST /api/rollouts</c> does).
/// </summary>
public static class RolloutsPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, ICloudStore store, RolloutEngine engine, CancellationToken ct) =>
        await PageAsync(http, store, engine, [], StatusCodes.Status200OK, ct);

    /// <summary>The start form's POST (operator, antiforgery).</summary>
    public static async Task<IResult> StartAsync(HttpContext http, IAntiforgery antiforgery, ICloudStore store, RolloutEngine engine, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status400BadRequest, "The form expired or did not come from this console: reload the page and try again.");
        }

        IFormCollection form = await http.Request.ReadFormAsync(ct);
        var problems = new List<string>();
        RolloutRequest? request = Parse(form, problems);
        if (request is not null)
        {
            RolloutStart start = await RolloutApi.StartAsync(request, store, engine, http.User.Identity?.Name ?? "?", ct);
            if (start.Rollout is { } rollout)
            {
                return Results.Redirect($"/rollouts/{Uri.EscapeDataString(rollout.Id)}");
            }

            problems.AddRange(start.Problems);
        }

        return await PageAsync(http, store, engine, problems, StatusCodes.Status400BadRequest, ct);
    }

    private static async Task<IResult> PageAsync(HttpContext http, ICloudStore store, RolloutEngine engine, List<string> problems, int status, CancellationToken ct)
    {
        List<Rollout> rollouts = await engine.ListAsync(ct);
        IReadOnlyList<SignedModelManifest> models = await store.ListModelsAsync(ct);
        return ConsoleLayout.Page(http, "Rollouts", html =>
        {
            if (http.User.CanOperate())
            {
                StartForm(html, http, models, problems);
            }
        }, html =>
        {
            html.Open("table", ("aria-label", "Rollouts")).Open("thead").Open("tr");
            foreach (string h in new[] { "Rollout", "Model", "Strategy", "State", "Step", "Stage", "Devices", "Created" })
            {
                html.Element("th", h, ("scope", "col"));
            }

            html.Close().Close().Open("tbody");
            foreach (Rollout r in Enumerable.Reverse(rollouts))
            {
                html.Open("tr", ("data-testid", "rollout-row"), ("data-rollout-id", r.Id));
                html.Open("td").Element("a", r.Id, ("href", $"/rollouts/{Uri.EscapeDataString(r.Id)}")).Close();
                html.Element("td", $"{r.Model}@{r.Version}").Element("td", r.Strategy.Name());
                html.Open("td").Element("span", r.State.Name(), ("data-testid", "rollout-state"), ("class", $"state-{r.State.Name()}")).Close();
                html.Element("td", r.Step.Name()).Element("td", r.Stages.Count == 0 ? "–" : $"{Math.Min(r.Stage + 1, r.Stages.Count)} of {r.Stages.Count}");
                html.Element("td", r.Devices.Count.ToString(CultureInfo.InvariantCulture));
                html.Open("td").Text($"{ConsoleLayout.Time(r.CreatedAt)} by {r.CreatedBy ?? "?"}").Close();
                html.Close();
            }

            html.Close().Close();
        }, status);
    }

    private static void StartForm(HtmlWriter html, HttpContext http, IReadOnlyList<SignedModelManifest> models, List<string> problems)
    {
        html.Open("form", ("method", "post"), ("action", "/rollouts"), ("class", "card"), ("aria-labelledby", "start-title"));
        html.Element("h2", "Start a rollout", ("id", "start-title"));
        foreach (string p in problems)
        {
            html.Element("p", p, ("class", "error"), ("role", "alert"));
        }

        ConsoleLayout.Csrf(html, http);
        html.Open("label").Text("model version").Open("select", ("name", "model"), ("required", "required"));
        foreach (SignedModelManifest m in models.OrderBy(m => m.Manifest.Name, StringComparer.Ordinal).ThenBy(m => m.RegisteredAt))
        {
            string value = $"{m.Manifest.Name}@{m.Manifest.Version}";
            html.Element("option", $"{value} ({m.Manifest.Kind})", ("value", value));
        }

        html.Close().Close();
        html.Open("label").Text("strategy").Open("select", ("name", "strategy"));
        foreach (string s in RolloutRequest.Strategies)
        {
            html.Element("option", s, ("value", s), ("selected", s == "canary" ? "selected" : null));
        }

        html.Close().Close();
        Field(html, "target (all, or label=value,…)", "target", "text", "all");
        Field(html, "shadow seconds", "shadowSeconds", "number", "0");
        Field(html, "stages (percent:bake seconds,…)", "stages", "text", "50:30,100:30");
        Field(html, "min devices", "minDevices", "number", "1");
        Field(html, "min samples", "minSamples", "number", "1");
        Field(html, "min agreement", "minAgreement", "number", "0.8", "0.01");
        Field(html, "max p95 ms (0: none)", "maxP95Ms", "number", "0", "any");
        Field(html, "max error rate", "maxErrorRate", "number", "0", "0.01");
        Field(html, "device deadline seconds", "deviceDeadlineSeconds", "number", "600");
        html.Element("button", "Start rollout", ("type", "submit"));
        html.Close();
    }

    private static void Field(HtmlWriter html, string label, string name, string type, string value, string? step = null)
    {
        html.Open("label").Text(label);
        html.Void("input", ("name", name), ("type", type), ("value", value), ("step", step));
        html.Close();
    }

    /// <summary>The form as a <see cref="RolloutRequest"/>; null (with the problems) when a field does not parse.</summary>
    private static RolloutRequest? Parse(IFormCollection form, List<string> problems)
    {
        string model = form["model"].FirstOrDefault() ?? "";
        int at = model.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0)
        {
            problems.Add("model: choose a registered model version");
        }

        string target = (form["target"].FirstOrDefault() ?? "all").Trim();
        JsonElement targetJson;
        if (target is "" or "all")
        {
            targetJson = JsonSerializer.SerializeToElement("all");
        }
        else
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string pair in target.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string[] kv = pair.Split('=', 2, StringSplitOptions.TrimEntries);
                if (kv.Length != 2 || kv[0].Length == 0 || kv[1].Length == 0)
                {
                    problems.Add($"target: '{pair}' is not label=value");
                    continue;
                }

                labels[kv[0]] = kv[1];
            }

            targetJson = JsonSerializer.SerializeToElement(new Dictionary<string, Dictionary<string, string>> { ["labels"] = labels });
        }

        var stages = new List<RolloutStage>();
        foreach (string stage in (form["stages"].FirstOrDefault() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = stage.Split(':', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int percent) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int bake))
            {
                problems.Add($"stages: '{stage}' is not percent:bakeSeconds");
                continue;
            }

            stages.Add(new RolloutStage(percent, bake, false));
        }

        int shadow = Int(form, "shadowSeconds", 0, problems), minDevices = Int(form, "minDevices", 1, problems), deadline = Int(form, "deviceDeadlineSeconds", 600, problems);
        long minSamples = Int(form, "minSamples", 1, problems);
        double minAgreement = Double(form, "minAgreement", 0, problems), maxP95 = Double(form, "maxP95Ms", 0, problems), maxErrors = Double(form, "maxErrorRate", 0, problems);
        if (problems.Count > 0)
        {
            return null;
        }

        return new RolloutRequest
        {
            Model = model[..at], Version = model[(at + 1)..], Target = targetJson, Strategy = form["strategy"].FirstOrDefault(),
            Stages = stages.Count > 0 ? stages : null, ShadowSeconds = shadow, DeviceDeadlineSeconds = deadline,
            Gates = new RolloutGates { MinDevices = minDevices, MinSamples = minSamples, MinAgreement = minAgreement, MaxP95Ms = maxP95, MaxErrorRate = maxErrors },
        };
    }

    private static int Int(IFormCollection form, string name, int fallback, List<string> problems)
    {
        string? text = form[name].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (int.TryParse(text, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }

        problems.Add($"{name}: '{text}' is not a whole number");
        return fallback;
    }

    private static double Double(IFormCollection form, string name, double fallback, List<string> problems)
    {
        string? text = form[name].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (double.TryParse(text, CultureInfo.InvariantCulture, out double value))
        {
            return value;
        }

        problems.Add($"{name}: '{text}' is not a number");
        return fallback;
    }
}
