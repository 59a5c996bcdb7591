using System.Globalization;
using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;

namespace EdgeCloud.Console;

/// <summary>
/// <c>/models</c>: registered models and versions with aliases, SHA-256, size and who uploaded them; with
/// <c>?name=&amp;a=&amp;b=</c>, what the fleet measured of version b against a in rollouts (shadow agreement, score
/// shift, p95 latency, per rollout and device).
/// </summary>
public static class ModelsPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, ICloudStore store, RolloutEngine engine, CancellationToken ct)
    {
        IReadOnlyList<SignedModelManifest> models = await store.ListModelsAsync(ct);
        var names = models.Select(m => m.Manifest.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        var aliases = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            aliases[name] = await store.GetAliasesAsync(name, ct);
        }

        // Who uploaded each version: the registry's audit entries (model.upload, target name@version).
        Dictionary<string, string> uploaders = (await store.ListAuditAsync(10_000, ct)).Where(a => a.Action == "model.upload")
            .GroupBy(a => a.Target, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Actor, StringComparer.Ordinal);
        IQueryCollection query = http.Request.Query;
        string? compareName = query["name"].FirstOrDefault(), a = query["a"].FirstOrDefault(), b = query["b"].FirstOrDefault();
        var measured = new List<(Rollout Rollout, RolloutView View)>();
        if (compareName is not null && b is not null)
        {
            foreach (Rollout r in (await engine.ListAsync(ct)).Where(r => r.Model == compareName && r.Version == b))
            {
                measured.Add((r, RolloutView.From(r, await engine.ReportsAsync(r.Id, ct))));
            }
        }

        return ConsoleLayout.Page(http, "Models", html => CompareForm(html, models, compareName, a, b), html =>
        {
            html.Open("table", ("aria-label", "Registered models")).Open("thead").Open("tr");
            foreach (string h in new[] { "Model", "Version", "Kind", "Aliases", "SHA-256", "Size", "Registered", "Uploaded by" })
            {
                html.Element("th", h, ("scope", "col"));
            }

            html.Close().Close().Open("tbody");
            foreach (SignedModelManifest m in models.OrderBy(m => m.Manifest.Name, StringComparer.Ordinal).ThenBy(m => m.RegisteredAt))
            {
                string key = $"{m.Manifest.Name}@{m.Manifest.Version}";
                html.Open("tr", ("data-testid", "model-row"), ("data-model", key));
                html.Element("td", m.Manifest.Name).Element("td", m.Manifest.Version).Element("td", m.Manifest.Kind);
                html.Open("td");
                foreach ((string alias, string version) in aliases[m.Manifest.Name].Where(x => x.Value == m.Manifest.Version))
                {
                    html.Element("span", alias, ("class", "chip"));
                }

                html.Close();
                html.Open("td").Element("code", m.Sha256, ("title", m.Sha256)).Close();
                html.Element("td", $"{(m.Size / 1024.0).ToString("0.0", CultureInfo.InvariantCulture)} KiB");
                ConsoleLayout.TimeCell(html, m.RegisteredAt);
                html.Element("td", uploaders.GetValueOrDefault(key, "–")).Close();
            }

            html.Close().Close();
            if (compareName is not null && b is not null)
            {
                Comparison(html, compareName, a, b, measured);
            }
        });
    }

    private static void Comparison(HtmlWriter html, string name, string? a, string b, List<(Rollout Rollout, RolloutView View)> measured)
    {
        html.Element("h2", $"{name}: {b} against {a ?? "the devices' baseline"}");
        var rows = measured.SelectMany(m => m.View.Devices.Where(d => d.Health is not null && (a is null || d.Baseline == a)).Select(d => (m.Rollout, Device: d))).ToList();
        if (rows.Count == 0)
        {
            html.Element("p", $"The fleet has not measured {name}@{b} against {a ?? "a baseline"} yet: start a rollout (shadow or canary) of it.", ("class", "hint"), ("data-testid", "comparison-empty"));
            return;
        }

        var healths = rows.Select(r => r.Device.Health!).ToList();
        long samples = healths.Sum(h => h.Samples);
        double? agreement = healths.Any(h => h.Agreement is not null) && samples > 0
            ? healths.Where(h => h.Agreement is not null).Sum(h => h.Agreement!.Value * h.Samples) / Math.Max(1, healths.Where(h => h.Agreement is not null).Sum(h => h.Samples))
            : null;
        html.Element("p", string.Create(CultureInfo.InvariantCulture,
            $"{rows.Count} device report(s) in {measured.Count} rollout(s), {samples} samples: agreement {(agreement is { } g ? g.ToString("0.000", CultureInfo.InvariantCulture) : "–")} (sample-weighted), largest score shift {healths.Max(h => Math.Abs(h.ScoreShift)):0.000}, worst p95 {healths.Max(h => h.P95Ms):0.0} ms"),
            ("data-testid", "comparison-summary"));
        html.Open("table", ("aria-label", "Measured comparison")).Open("thead").Open("tr");
        foreach (string h in new[] { "Rollout", "State", "Device", "Baseline", "Phase", "Samples", "Agreement", "Score shift", "p95 ms" })
        {
            html.Element("th", h, ("scope", "col"));
        }

        html.Close().Close().Open("tbody");
        foreach ((Rollout r, RolloutDeviceView d) in rows)
        {
            CandidateHealth h = d.Health!;
            html.Open("tr", ("data-testid", "comparison-row"));
            html.Open("td").Element("a", r.Id, ("href", $"/rollouts/{Uri.EscapeDataString(r.Id)}")).Close();
            html.Element("td", r.State.Name()).Element("td", d.DeviceId).Element("td", d.Baseline ?? "–").Element("td", d.Phase);
            html.Element("td", h.Samples.ToString(CultureInfo.InvariantCulture)).Element("td", h.Agreement is { } x ? HtmlWriter.Number(x, "0.000") : "–");
            html.Element("td", HtmlWriter.Number(h.ScoreShift, "0.000")).Element("td", HtmlWriter.Number(h.P95Ms, "0.0")).Close();
        }

        html.Close().Close();
    }

    private static void CompareForm(HtmlWriter html, IReadOnlyList<SignedModelManifest> models, string? name, string? a, string? b)
    {
        html.Open("form", ("method", "get"), ("action", "/models"), ("class", "filters"), ("aria-label", "Compare two versions"));
        html.Open("label").Text("model").Open("select", ("name", "name"));
        foreach (string n in models.Select(m => m.Manifest.Name).Distinct().Order(StringComparer.Ordinal))
        {
            html.Element("option", n, ("value", n), ("selected", n == name ? "selected" : null));
        }

        html.Close().Close();
        html.Open("label").Text("version a (baseline)");
        html.Void("input", ("name", "a"), ("type", "text"), ("value", a), ("placeholder", "e.g. v5"));
        html.Close();
        html.Open("label").Text("version b (candidate)");
        html.Void("input", ("name", "b"), ("type", "text"), ("value", b), ("placeholder", "e.g. v6"));
        html.Close();
        html.Element("button", "Compare", ("type", "submit"));
        html.Close();
    }
}
