using EdgeAgent.Contracts;
using EdgeCloud.Api;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Console;

/// <summary>
/// <c>/devices/{id}</c>: one device's windows over time (speech seconds, verdict, detections per keyword), its alarms
/// and events with their evidence, its models and slots, and its phase in every rollout that targets it.
/// </summary>
public static class DevicePage
{
    private const int Windows = 120;

    public static async Task<IResult> RenderAsync(string id, HttpContext http, ICloudStore store, RolloutEngine rollouts, IOptions<CloudOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (await store.GetDeviceAsync(id, ct) is not { } record)
        {
            return ConsoleLayout.Problem(http, StatusCodes.Status404NotFound, $"No device '{id}'.");
        }

        DeviceView device = DeviceView.From(record, options.Value, time.GetUtcNow());
        List<WindowView> windows = (await store.ListWindowsAsync(id, Windows, ct)).Select(WindowView.From).OrderBy(w => w.WindowEnd).ToList();
        IReadOnlyList<EventRecord> events = await store.ListEventsAsync(id, 100, ct);
        var phases = new List<(Rollout Rollout, RolloutDeviceReport? Report)>();
        foreach (Rollout r in await rollouts.ListAsync(ct))
        {
            if (r.Devices.Any(d => d.DeviceId == id))
            {
                phases.Add((r, (await rollouts.ReportsAsync(r.Id, ct)).GetValueOrDefault(id)));
            }
        }

        return ConsoleLayout.Page(http, $"Device {id}", null, html =>
        {
            html.Open("dl", ("class", "kv"));
            html.Element("dt", "state").Element("dd", device.Online ? "online" : "offline", ("class", device.Online ? "online" : "offline"));
            html.Element("dt", "last seen").Element("dd", ConsoleLayout.Time(device.LastSeen));
            html.Element("dt", "agent").Element("dd", device.AgentVersion ?? "–");
            html.Element("dt", "labels").Open("dd");
            DevicesPage.Labels(html, device.Labels);
            html.Close().Close();

            html.Element("h2", "Windows");
            SvgPlot.OverTime(html, "windows-plot", $"Speech seconds per window, last {windows.Count} windows", windows.Select(w => (w.WindowEnd, w.SpeechSeconds)).ToList(), "s", null);
            WindowTable(html, windows);
            AlarmTable(html, record);
            EventTable(html, events);
            ModelTable(html, device.Models);
            RolloutTable(html, phases);
        });
    }

    private static void WindowTable(HtmlWriter html, List<WindowView> windows)
    {
        string[] keywords = windows.SelectMany(w => w.Detections.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        html.Open("table", ("aria-label", "Windows"));
        html.Open("thead").Open("tr");
        foreach (string h in new[] { "Window end", "Seconds", "Speech s", "Verdict" }.Concat(keywords.Select(k => $"{k} detections")))
        {
            html.Element("th", h, ("scope", "col"));
        }

        html.Close().Close().Open("tbody");
        foreach (WindowView w in Enumerable.Reverse(windows).Take(30))
        {
            html.Open("tr", ("data-testid", "window-row"));
            ConsoleLayout.TimeCell(html, w.WindowEnd);
            html.Element("td", HtmlWriter.Number(w.DurationSeconds, "0.0"));
            html.Element("td", HtmlWriter.Number(w.SpeechSeconds, "0.0"));
            html.Element("td", w.Verdict ?? "–", ("class", $"verdict-{w.Verdict}"));
            foreach (string k in keywords)
            {
                html.Element("td", w.Detections.GetValueOrDefault(k).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            html.Close();
        }

        html.Close().Close();
    }

    private static void AlarmTable(HtmlWriter html, DeviceRecord device)
    {
        html.Element("h2", "Alarms");
        html.Open("table", ("aria-label", "Device alarms")).Open("thead").Open("tr");
        foreach (string h in new[] { "Family", "State", "Since", "Evidence" })
        {
            html.Element("th", h, ("scope", "col"));
        }

        html.Close().Close().Open("tbody");
        foreach ((string family, AlarmStatus a) in device.Alarms.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            html.Open("tr").Element("td", family).Element("td", a.State, ("class", $"state-{a.State}"));
            ConsoleLayout.TimeCell(html, a.Since);
            html.Element("td", a.Detail ?? "–").Close();
        }

        html.Close().Close();
    }

    private static void EventTable(HtmlWriter html, IReadOnlyList<EventRecord> events)
    {
        html.Element("h2", "Events");
        html.Open("table", ("aria-label", "Events")).Open("thead").Open("tr");
        foreach (string h in new[] { "At", "Kind", "Name", "State", "Detail" })
        {
            html.Element("th", h, ("scope", "col"));
        }

        html.Close().Close().Open("tbody");
        foreach (EventRecord e in events.OrderByDescending(e => e.At))
        {
            html.Open("tr");
            ConsoleLayout.TimeCell(html, e.At);
            html.Element("td", e.Kind).Element("td", e.Name).Element("td", e.State ?? "–").Element("td", e.Detail ?? "–").Close();
        }

        html.Close().Close();
    }

    private static void ModelTable(HtmlWriter html, List<ModelRef> models)
    {
        html.Element("h2", "Models");
        html.Open("table", ("aria-label", "Models")).Open("thead").Open("tr");
        html.Element("th", "Model", ("scope", "col")).Element("th", "Version", ("scope", "col")).Element("th", "Slot", ("scope", "col"));
        html.Close().Close().Open("tbody");
        foreach (ModelRef m in models.OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Slot, StringComparer.Ordinal))
        {
            html.Open("tr").Element("td", m.Name).Element("td", m.Version).Element("td", m.Slot ?? "active").Close();
        }

        html.Close().Close();
    }

    private static void RolloutTable(HtmlWriter html, List<(Rollout Rollout, RolloutDeviceReport? Report)> phases)
    {
        html.Element("h2", "Rollouts");
        html.Open("table", ("aria-label", "Rollout phases")).Open("thead").Open("tr");
        foreach (string h in new[] { "Rollout", "Model", "State", "Phase", "Reason", "Agreement", "p95 ms" })
        {
            html.Element("th", h, ("scope", "col"));
        }

        html.Close().Close().Open("tbody");
        foreach ((Rollout r, RolloutDeviceReport? report) in phases)
        {
            html.Open("tr");
            html.Open("td").Element("a", r.Id, ("href", $"/rollouts/{Uri.EscapeDataString(r.Id)}")).Close();
            html.Element("td", $"{r.Model}@{r.Version}").Element("td", r.State.Name(), ("class", $"state-{r.State.Name()}"));
            html.Element("td", report?.Phase ?? RolloutProgress.Queued).Element("td", report?.Reason ?? "–");
            html.Element("td", report?.Health?.Agreement is { } a ? HtmlWriter.Number(a, "0.000") : "–");
            html.Element("td", report?.Health is { } h ? HtmlWriter.Number(h.P95Ms, "0.0") : "–");
            html.Close();
        }

        html.Close().Close();
    }
}
