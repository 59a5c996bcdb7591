using EdgeCloud.Clips;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Antiforgery;

namespace EdgeCloud.Console;

/// <summary>
/// <c>/clips/{id}</c> (labelers): the clip's player (its audio from <c>/clips/{id}/audio</c>, each listen audited), its
/// spectrogram, metadata and the label form, which POSTs (antiforgery) to the same labelling as
/// <c>POST /api/clips/{id}/labels</c> and goes on to the next clip of the list. Keyboard: space, y, n, s, j, k.
/// </summary>
public static class ClipPage
{
    public static string Href(string id, string? trigger, string? show) =>
        $"/clips/{Uri.EscapeDataString(id)}?trigger={Uri.EscapeDataString(trigger ?? "")}&show={Uri.EscapeDataString(show ?? "unlabelled")}";

    public static async Task<IResult> RenderAsync(string id, HttpContext http, ICloudStore store, CancellationToken ct)
    {
        if (await store.GetClipAsync(id, ct) is not { } clip || await store.ReadClipAudioAsync(id, ct) is not { } pcm)
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status404NotFound, $"No clip '{id}' (it may have expired).");
        }

        string? trigger = http.Request.Query["trigger"].FirstOrDefault() is { Length: > 0 } t ? t : null;
        string show = http.Request.Query["show"].FirstOrDefault() ?? "unlabelled";
        (string? previous, string? next) = await NeighboursAsync(store, clip, trigger, show, ct);
        void Live(HtmlWriter html) => html.Element("p", next is null ? "Last clip of the list." : "Saved labels go on to the next clip.", ("class", "muted"));
        if (ConsoleLayout.IsFragment(http))
        {
            return ConsoleLayout.Page(http, "", null, Live); // the live refresh: no spectrogram again
        }

        var body = new HtmlWriter();
        body.Open("section", ("class", "clip"), ("data-clip-label", clip.Id), ("data-keyword", clip.Keyword),
            ("data-next", next is null ? null : Href(next, trigger, show)), ("data-previous", previous is null ? null : Href(previous, trigger, show)));
        body.Open("audio", ("controls", "controls"), ("preload", "auto"), ("src", $"/clips/{Uri.EscapeDataString(clip.Id)}/audio"), ("data-testid", "clip-audio")).Close();
        Spectrogram.Write(body, pcm, clip.SampleRate);
        body.Open("dl", ("class", "kv"));
        foreach ((string k, string v) in new[]
        {
            ("Heard", ConsoleLayout.Time(clip.At)), ("Device", clip.DeviceId), ("Trigger", clip.Trigger), ("Keyword", clip.Keyword ?? "–"),
            ("Score / threshold", $"{(clip.Score is { } s ? HtmlWriter.Number(s, "0.###") : "–")} / {(clip.Threshold is { } th ? HtmlWriter.Number(th, "0.###") : "–")}"),
            ("Models", string.Join(", ", clip.Models.Select(m => $"{m.Name}@{m.Version}"))), ("Drift alarms", clip.Alarms.Count == 0 ? "none" : string.Join(", ", clip.Alarms)),
            ("Expires", ConsoleLayout.Time(clip.ExpiresAt)),
            ("Labels", clip.Labels is { } l ? $"[{string.Join(", ", l.Keywords)}] speech={l.Speech} by {l.By} at {ConsoleLayout.Time(l.At)}" : "none yet"),
        })
        {
            body.Element("dt", k).Element("dd", v);
        }

        body.Close();
        body.Open("form", ("method", "post"), ("action", $"/clips/{Uri.EscapeDataString(clip.Id)}/labels"), ("class", "card"), ("data-testid", "label-form"));
        ConsoleLayout.Csrf(body, http);
        body.Void("input", ("type", "hidden"), ("name", "next"), ("value", next is null ? $"/clips?trigger={Uri.EscapeDataString(trigger ?? "")}&show={Uri.EscapeDataString(show)}" : Href(next, trigger, show)));
        body.Open("label").Text("Keywords said (comma-separated, empty for none)");
        body.Void("input", ("name", "keywords"), ("id", "keywords"), ("value", clip.Labels is { } had ? string.Join(", ", had.Keywords) : clip.Keyword), ("autocomplete", "off"));
        body.Close();
        body.Open("label").Void("input", ("type", "checkbox"), ("name", "speech"), ("id", "speech"), ("value", "true"), ("checked", clip.Labels?.Speech != false ? "checked" : null)).Text(" Holds speech").Close();
        body.Element("button", "Save label", ("type", "submit"));
        body.Close();
        body.Close();
        return ConsoleLayout.Page(http, $"Clip {clip.Id[..8]}", html => html.Trusted(body.ToString()), Live);
    }

    /// <summary>The label form's POST (labeler, antiforgery): stores the labels and goes on to the next clip.</summary>
    public static async Task<IResult> LabelAsync(string id, HttpContext http, IAntiforgery antiforgery, ICloudStore store, TimeProvider time, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status400BadRequest, "The form expired or did not come from this console: reload the page and try again.");
        }

        IFormCollection form = await http.Request.ReadFormAsync(ct);
        List<string> keywords = (form["keywords"].FirstOrDefault() ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        (ClipRecord? clip, string? problem) = await ClipsApi.ApplyLabelsAsync(id, new LabelRequest(keywords, form["speech"].FirstOrDefault() == "true"), store, http.User, time, ct);
        if (problem is not null)
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status400BadRequest, problem);
        }

        if (clip is null)
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status404NotFound, $"No clip '{id}' (it may have expired).");
        }

        string next = form["next"].FirstOrDefault() is { Length: > 1 } n && n[0] == '/' && n[1] != '/' && n[1] != '\\' ? n : "/clips";
        return Results.Redirect(next);
    }

    private static async Task<(string? Previous, string? Next)> NeighboursAsync(ICloudStore store, ClipRecord clip, string? trigger, string show, CancellationToken ct)
    {
        bool? labelled = show switch { "labelled" => true, "all" => null, _ => false };
        List<string> ids = (await store.ListClipsAsync(new ClipQuery { Trigger = trigger, Labelled = labelled, Limit = 500 }, ct)).Select(c => c.Id).ToList();
        int at = ids.IndexOf(clip.Id);
        if (at < 0)
        {
            return (null, ids.FirstOrDefault(i => i != clip.Id));
        }

        return (at > 0 ? ids[at - 1] : null, at + 1 < ids.Count ? ids[at + 1] : null);
    }
}
