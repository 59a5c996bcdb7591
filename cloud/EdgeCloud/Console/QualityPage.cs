using EdgeAgent.Contracts;
using EdgeCloud.Quality;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Console;

/// <summary>
/// <c>/quality?model=&amp;groupBy=&amp;days=</c>: labelled quality of a keyword model per cohort and version — the
/// numbers of <c>GET /api/quality</c> in a table, and precision and recall with their Wilson 95 % intervals plotted
/// against the concept-drift floor.
/// </summary>
public static class QualityPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, ICloudStore store, TimeProvider time, IOptions<CloudOptions> options, CancellationToken ct)
    {
        DateTimeOffset now = time.GetUtcNow();
        double days = double.TryParse(http.Request.Query["days"].FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out double d) && d is > 0 and <= 3650 ? d : 7;
        List<string> models = (await store.ListClipsAsync(new ClipQuery { Since = now.AddDays(-days), Labelled = true, Limit = QualityApi.MaxClips }, ct))
            .Where(c => c.Trigger == ClipTrigger.Detection && c.Keyword is not null).Select(c => c.Keyword!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        string? model = http.Request.Query["model"].FirstOrDefault() is { Length: > 0 } m ? m : models.FirstOrDefault();
        string? groupBy = http.Request.Query["groupBy"].FirstOrDefault() is { Length: > 0 } g && DeviceLabels.Names.Contains(g) ? g : null;
        List<QualityRow> rows = model is null ? [] : await QualityApi.ComputeAsync(store, model, groupBy, now.AddDays(-days), now, ct);
        double floor = options.Value.Quality.MinPrecision;

        return ConsoleLayout.Page(http, "Quality", html =>
        {
            html.Open("form", ("method", "get"), ("action", "/quality"), ("class", "filters"));
            html.Open("label").Text("Model").Void("input", ("name", "model"), ("value", model), ("list", "quality-models")).Close();
            html.Open("datalist", ("id", "quality-models"));
            foreach (string name in models)
            {
                html.Void("option", ("value", name));
            }

            html.Close();
            html.Open("label").Text("Cohorts by").Open("select", ("name", "groupBy"));
            html.Element("option", "the whole fleet", ("value", ""));
            foreach (string label in DeviceLabels.Names)
            {
                html.Element("option", label, ("value", label), ("selected", label == groupBy ? "selected" : null));
            }

            html.Close().Close();
            html.Open("label").Text("Days").Void("input", ("name", "days"), ("type", "number"), ("min", "1"), ("max", "3650"), ("value", HtmlWriter.Number(days))).Close();
            html.Element("button", "Show", ("type", "submit"));
            html.Close();
        }, html =>
        {
            if (model is null)
            {
                html.Element("p", "No labelled detection clips yet: label some on the Clips page.", ("class", "muted"));
                return;
            }

            html.Open("div", ("class", "plots"));
            SvgPlot.Intervals(html, "precision-plot", $"{model}: labelled precision per cohort and version (Wilson 95 %)",
                rows.Select(r => ($"{r.Group} {r.Version}", r.Precision, r.PrecisionLow, r.PrecisionHigh)).ToList(), floor);
            SvgPlot.Intervals(html, "recall-plot", $"{model}: recall from the random speech sample (Wilson 95 %)",
                rows.Select(r => ($"{r.Group} {r.Version}", r.Recall, r.RecallLow, r.RecallHigh)).ToList(), null);
            html.Close();
            html.Open("table", ("aria-label", "Labelled quality")).Open("thead").Open("tr");
            foreach (string h in new[] { "Cohort", "Version", "Devices", "Labelled detections", "Precision [95 %]", "False accepts / h", "Recall [95 %]", "VAD agreement", "Repeats / h", "Unanswered / h", "Audio h" })
            {
                html.Element("th", h, ("scope", "col"));
            }

            html.Close().Close().Open("tbody");
            foreach (QualityRow r in rows)
            {
                html.Open("tr", ("data-testid", "quality-row"), ("data-group", r.Group), ("data-version", r.Version));
                html.Element("td", r.Group).Element("td", r.Version).Element("td", HtmlWriter.Number(r.Devices)).Element("td", HtmlWriter.Number(r.LabelledDetections))
                    .Element("td", Interval(r.Precision, r.PrecisionLow, r.PrecisionHigh), ("class", r.PrecisionHigh < floor ? "state-alarm" : null))
                    .Element("td", Rate(r.FalseAcceptsPerHour)).Element("td", Interval(r.Recall, r.RecallLow, r.RecallHigh))
                    .Element("td", Interval(r.VadAgreement, r.VadAgreementLow, r.VadAgreementHigh))
                    .Element("td", Rate(r.RepeatsPerHour)).Element("td", Rate(r.UnansweredPerHour)).Element("td", HtmlWriter.Number(r.AudioHours, "0.##"));
                html.Close();
            }

            html.Close().Close();
        });
    }

    private static string Interval(double? estimate, double low, double high) =>
        estimate is { } e ? $"{HtmlWriter.Number(e, "0.###")} [{HtmlWriter.Number(low, "0.###")}, {HtmlWriter.Number(high, "0.###")}]" : "– [0, 1]";

    private static string Rate(double? perHour) => perHour is { } v ? HtmlWriter.Number(v, "0.##") : "–";
}
