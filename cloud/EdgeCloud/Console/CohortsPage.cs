using EdgeAgent.Contracts;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Fleet;
using EdgeCloud.Storage;

namespace EdgeCloud.Console;

/// <summary>
/// <c>/cohorts?groupBy=micModel</c> (any label, or <c>model:&lt;name&gt;</c>): each cohort's verdict, families and devices
/// (the same evaluation as <c>/api/fleet/drift</c>); for a chosen cohort and feature, plots of its distribution over the
/// fleet reference (exact merged histograms), the feature's drift score per hour with its threshold, and the 32-band
/// fingerprint against the reference.
/// </summary>
public static class CohortsPage
{
    private static readonly string[] s_features = [.. FeatureCatalog.Features.Select(f => f.Name), CohortDetail.Fingerprint];

    public static async Task<IResult> RenderAsync(HttpContext http, ICloudStore store, CohortDrift drift, CancellationToken ct)
    {
        IQueryCollection query = http.Request.Query;
        string groupBy = query["groupBy"].FirstOrDefault() ?? "micModel";
        double hours = double.TryParse(query["hours"], System.Globalization.CultureInfo.InvariantCulture, out double h) ? Math.Clamp(h, 0.01, 24 * 31) : 1;
        List<string> modelNames = (await store.ListModelsAsync(ct)).Select(m => m.Manifest.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        if (!CohortDrift.IsGroupable(groupBy))
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status400BadRequest, $"groupBy must be one of {string.Join(", ", DeviceLabels.Names)}, or model:<name>.");
        }

        if (await store.GetReferenceAsync(ct) is not { } stored)
        {
            return ConsoleLayout.Page(http, "Cohorts", html => Controls(html, groupBy, hours, modelNames, [], null, null), html =>
                html.Element("p", "No fleet reference yet: PUT /api/fleet/reference with a profile from 'edgectl profile build'.", ("class", "hint")));
        }

        SignalProfile reference = ProfileCodec.Decode(stored.Profile);
        IReadOnlyList<CohortVerdict> cohorts = await drift.EvaluateAsync(groupBy, hours, reference, ct);
        CohortVerdict? chosen = cohorts.FirstOrDefault(c => c.Group == query["cohort"].FirstOrDefault())
            ?? cohorts.FirstOrDefault(c => c.Verdict == DriftReport.Drift) ?? cohorts.FirstOrDefault();
        string feature = query["feature"].FirstOrDefault() is { } f && s_features.Contains(f) ? f
            : chosen?.Alarms.Select(a => a.Feature).FirstOrDefault(s_features.Contains) ?? "spectral_tilt";
        CohortDetail? detail = chosen is null ? null : await drift.DetailAsync(groupBy, chosen.Group, hours, reference, ct);

        return ConsoleLayout.Page(http, "Cohorts", html => Controls(html, groupBy, hours, modelNames, cohorts, chosen?.Group, feature), html =>
        {
            Table(html, groupBy, hours, cohorts, chosen?.Group);
            if (detail is not null)
            {
                Plots(html, groupBy, detail, feature);
            }
        });
    }

    private static void Table(HtmlWriter html, string groupBy, double hours, IReadOnlyList<CohortVerdict> cohorts, string? chosen)
    {
        html.Element("p", $"{cohorts.Count} cohort(s) by {groupBy} over the last {HtmlWriter.Number(hours)} h", ("class", "muted"));
        html.Open("table", ("aria-label", $"Cohorts by {groupBy}")).Open("thead").Open("tr");
        foreach (string head in new[] { groupBy, "Verdict", "Families", "Devices", "Windows", "Speech s", "Against", "Evidence" })
        {
            html.Element("th", head, ("scope", "col"));
        }

        html.Close().Close().Open("tbody");
        foreach (CohortVerdict c in cohorts)
        {
            html.Open("tr", ("data-testid", "cohort-row"), ("data-group", c.Group), ("data-verdict", c.Verdict), ("aria-selected", c.Group == chosen ? "true" : null));
            string href = $"/cohorts?groupBy={Uri.EscapeDataString(groupBy)}&hours={HtmlWriter.Number(hours)}&cohort={Uri.EscapeDataString(c.Group)}";
            html.Open("td").Element("a", c.Group, ("href", href)).Close();
            html.Element("td", c.Verdict, ("class", $"verdict-{c.Verdict}"));
            html.Open("td");
            foreach (FamilySummary family in c.Families.Where(f => f.Verdict != DriftReport.Ok))
            {
                html.Element("span", $"{family.Family}: {family.Verdict}", ("class", $"chip verdict-{family.Verdict}"));
            }

            html.Close();
            html.Open("td");
            foreach (string device in c.DeviceIds.Take(20))
            {
                html.Element("a", device, ("href", $"/devices/{Uri.EscapeDataString(device)}"), ("class", "chip"));
            }

            html.Text(c.DeviceIds.Count > 20 ? $" and {c.DeviceIds.Count - 20} more" : null).Close();
            html.Element("td", c.Windows.ToString(System.Globalization.CultureInfo.InvariantCulture));
            html.Element("td", HtmlWriter.Number(c.SpeechSeconds, "0.0"));
            html.Element("td", c.Reference);
            html.Element("td", string.Join("; ", c.Alarms.Select(a => $"{a.Feature} {a.Test} {HtmlWriter.Number(a.Score, "0.###")} ≥ {HtmlWriter.Number(a.Threshold, "0.###")}")));
            html.Close();
        }

        html.Close().Close();
    }

    private static void Plots(HtmlWriter html, string groupBy, CohortDetail detail, string feature)
    {
        SignalProfile reference = detail.Reference;
        string against = detail.ReferenceName;
        html.Element("h2", $"{groupBy}={detail.Group}: {feature}, against the {against}");
        FeatureResult? result = detail.Report.Features.FirstOrDefault(r => r.Feature == feature);
        double threshold = detail.Threshold(feature);
        html.Element("p", result is null ? "no result for this feature"
            : $"verdict {result.Verdict}; score {(CohortDetail.Score(result) is { } s ? HtmlWriter.Number(s, "0.###") : "–")} against threshold {HtmlWriter.Number(threshold, "0.###")}; {HtmlWriter.Number(result.EvidenceSeconds, "0")} s of evidence",
            ("class", "muted"), ("data-testid", "feature-verdict"));
        html.Open("div", ("class", "plots"));
        if (feature != CohortDetail.Fingerprint)
        {
            int index = FeatureCatalog.IndexOf(feature);
            Figure(html, $"Distribution of {feature} in {detail.Group} (exact merged histogram) over the {against}", () =>
                SvgPlot.Distribution(html, "drift-plot", $"{feature} distribution: {detail.Group} against the {against}",
                    detail.Profile.Histograms[index], reference.Histograms[index], FeatureCatalog.Features[index].Unit));
        }

        Figure(html, $"Drift score of {feature} per hour; dashed: the threshold ({HtmlWriter.Number(threshold, "0.###")})", () =>
            SvgPlot.OverTime(html, "drift-plot", $"{feature} drift score per hour in {detail.Group}, with its threshold", detail.HourlyScores(feature),
                feature == CohortDetail.Fingerprint ? "dB" : FeatureCatalog.Features[FeatureCatalog.IndexOf(feature)].Unit, threshold));
        if (detail.Profile.CleanSpeechFrames > 0 && reference.CleanSpeechFrames > 0)
        {
            Figure(html, $"Fingerprint: mean level of the 32 mel bands in {detail.Group}'s clean speech, level-aligned, over the {against}", () =>
                SvgPlot.Fingerprint(html, "drift-plot", $"32-band fingerprint of {detail.Group} against the {against}",
                    detail.Profile.MelBands.Select(b => b.Mean).ToList(), reference.MelBands.Select(b => b.Mean).ToList()));
        }

        html.Close();
    }

    private static void Figure(HtmlWriter html, string caption, Action plot)
    {
        html.Open("figure");
        plot();
        html.Element("figcaption", caption);
        html.Close();
    }

    private static void Controls(HtmlWriter html, string groupBy, double hours, List<string> models, IReadOnlyList<CohortVerdict> cohorts, string? chosen, string? feature)
    {
        html.Open("form", ("method", "get"), ("action", "/cohorts"), ("class", "filters"), ("aria-label", "Choose cohorts"));
        html.Open("label").Text("group by").Open("select", ("name", "groupBy"));
        foreach (string g in DeviceLabels.Names.Concat(models.Select(m => CohortDrift.ModelPrefix + m)))
        {
            html.Element("option", g, ("value", g), ("selected", g == groupBy ? "selected" : null));
        }

        html.Close().Close();
        html.Open("label").Text("hours");
        html.Void("input", ("type", "number"), ("name", "hours"), ("min", "0.01"), ("max", "744"), ("step", "any"), ("value", HtmlWriter.Number(hours)));
        html.Close();
        if (cohorts.Count > 0)
        {
            html.Open("label").Text("cohort").Open("select", ("name", "cohort"));
            foreach (CohortVerdict c in cohorts)
            {
                html.Element("option", c.Group, ("value", c.Group), ("selected", c.Group == chosen ? "selected" : null));
            }

            html.Close().Close();
            html.Open("label").Text("feature").Open("select", ("name", "feature"));
            foreach (string f in s_features)
            {
                html.Element("option", f, ("value", f), ("selected", f == feature ? "selected" : null));
            }

            html.Close().Close();
        }

        html.Element("button", "Show", ("type", "submit"));
        html.Close();
    }
}
