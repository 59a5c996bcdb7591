using EdgeAgent.Contracts;
using EdgeCloud.Storage;

namespace EdgeCloud.Console;

/// <summary><c>/clips</c> (labelers): the stored clips, unlabelled first by default, filtered by trigger; each opens its labelling page.</summary>
public static class ClipsPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, ICloudStore store, CancellationToken ct)
    {
        string? trigger = http.Request.Query["trigger"].FirstOrDefault() is { Length: > 0 } t && ClipTrigger.All.Contains(t) ? t : null;
        string show = http.Request.Query["show"].FirstOrDefault() ?? "unlabelled";
        bool? labelled = show switch { "labelled" => true, "all" => null, _ => false };
        IReadOnlyList<ClipRecord> clips = await store.ListClipsAsync(new ClipQuery { Trigger = trigger, Labelled = labelled, Limit = 500 }, ct);

        return ConsoleLayout.Page(http, "Clips", html =>
        {
            html.Open("form", ("method", "get"), ("action", "/clips"), ("class", "filters"));
            html.Open("label").Text("Trigger");
            html.Open("select", ("name", "trigger"));
            html.Element("option", "any", ("value", ""));
            foreach (string option in ClipTrigger.All)
            {
                html.Element("option", option, ("value", option), ("selected", option == trigger ? "selected" : null));
            }

            html.Close().Close();
            html.Open("label").Text("Show");
            html.Open("select", ("name", "show"));
            foreach (string option in new[] { "unlabelled", "labelled", "all" })
            {
                html.Element("option", option, ("value", option), ("selected", option == show ? "selected" : null));
            }

            html.Close().Close();
            html.Element("button", "Filter", ("type", "submit"));
            html.Close();
            html.Element("p", "Every listen is audited. Keys on a clip's page: space plays, y = the keyword was said, n = it was not, s = toggles speech, j/k = next/previous clip.", ("class", "hint"));
        }, html =>
        {
            html.Element("h2", $"{clips.Count} clip(s)");
            html.Open("table", ("aria-label", "Clips")).Open("thead").Open("tr");
            foreach (string h in new[] { "Heard", "Device", "Trigger", "Keyword", "Score", "Seconds", "Models", "Labels" })
            {
                html.Element("th", h, ("scope", "col"));
            }

            html.Close().Close().Open("tbody");
            foreach (ClipRecord c in clips)
            {
                html.Open("tr", ("data-testid", "clip-row"), ("data-clip-id", c.Id));
                html.Open("td").Element("a", ConsoleLayout.Time(c.At), ("href", ClipPage.Href(c.Id, trigger, show))).Close();
                html.Element("td", c.DeviceId).Element("td", c.Trigger).Element("td", c.Keyword ?? "–")
                    .Element("td", c.Score is { } s ? HtmlWriter.Number(s, "0.###") : "–").Element("td", HtmlWriter.Number(c.DurationSec, "0.0"))
                    .Element("td", string.Join(", ", c.Models.Select(m => $"{m.Name}@{m.Version}")))
                    .Element("td", c.Labels is { } l ? $"{(l.Keywords.Count == 0 ? "no keyword" : string.Join(", ", l.Keywords))}{(l.Speech ? "" : ", no speech")} ({l.By})" : "unlabelled");
                html.Close();
            }

            html.Close().Close();
        });
    }
}
