using EdgeAgent.Contracts;
using EdgeCloud.Api;
using EdgeCloud.Fleet;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Console;

/// <summary>
/// <c>/devices</c>: every device with its online state, last seen, labels, active models and active alarms (its own,
/// and the root-cause cohort alarms it is in); filtered by any label, by "has alarm", and a search over ids and labels.
/// </summary>
public static class DevicesPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, ICloudStore store, FleetWatch fleet, IOptions<CloudOptions> options, TimeProvider time, CancellationToken ct)
    {
        IQueryCollection query = http.Request.Query;
        DateTimeOffset now = time.GetUtcNow();
        List<DeviceView> all = (await store.ListDevicesAsync(ct)).Select(d => DeviceView.From(d, options.Value, now)).ToList();
        Dictionary<string, List<string>> cohortAlarms = CohortAlarmsByDevice(fleet.ActiveAlarms);
        var filters = DeviceLabels.Names.Select(l => (Label: l, Value: query[l].FirstOrDefault())).Where(f => !string.IsNullOrEmpty(f.Value)).ToList();
        bool hasAlarm = query["alarm"] == "1";
        string search = query["q"].FirstOrDefault()?.Trim() ?? "";
        List<DeviceView> shown = all
            .Where(d => filters.All(f => d.Labels.Get(f.Label) == f.Value))
            .Where(d => !hasAlarm || AlarmsOf(d, cohortAlarms).Any())
            .Where(d => search.Length == 0 || d.DeviceId.Contains(search, StringComparison.OrdinalIgnoreCase)
                || DeviceLabels.Names.Any(l => d.Labels.Get(l)?.Contains(search, StringComparison.OrdinalIgnoreCase) == true))
            .ToList();

        return ConsoleLayout.Page(http, "Devices", html => Filters(html, all, query, hasAlarm, search), html =>
        {
            html.Element("p", $"{shown.Count} of {all.Count} device(s)", ("class", "muted"), ("data-testid", "device-count"));
            html.Open("table", ("aria-label", "Devices"));
            html.Open("thead").Open("tr");
            foreach (string h in new[] { "Device", "State", "Last seen", "Labels", "Active models", "Active alarms" })
            {
                html.Element("th", h, ("scope", "col"));
            }

            html.Close().Close().Open("tbody");
            foreach (DeviceView d in shown)
            {
                html.Open("tr", ("data-testid", "device-row"), ("data-device-id", d.DeviceId));
                html.Open("td").Element("a", d.DeviceId, ("href", $"/devices/{Uri.EscapeDataString(d.DeviceId)}")).Close();
                html.Element("td", d.Online ? "online" : "offline", ("class", d.Online ? "online" : "offline"));
                ConsoleLayout.TimeCell(html, d.LastSeen);
                html.Open("td");
                Labels(html, d.Labels);
                html.Close();
                html.Open("td");
                foreach (ModelRef m in d.Models.Where(m => m.Slot is null or "active"))
                {
                    html.Element("span", $"{m.Name}@{m.Version}", ("class", "chip"));
                }

                html.Close();
                html.Open("td");
                foreach (string alarm in AlarmsOf(d, cohortAlarms))
                {
                    html.Element("span", alarm, ("class", "chip state-alarm"));
                }

                html.Close().Close();
            }

            html.Close().Close();
        });
    }

    /// <summary>The labels as chips: <c>micModel=mic-b</c>.</summary>
    public static void Labels(HtmlWriter html, DeviceLabels labels)
    {
        foreach (string l in DeviceLabels.Names)
        {
            if (labels.Get(l) is { } v)
            {
                html.Element("span", $"{l}={v}", ("class", "chip"));
            }
        }
    }

    private static IEnumerable<string> AlarmsOf(DeviceView d, Dictionary<string, List<string>> cohortAlarms) =>
        d.ActiveAlarms.Concat(cohortAlarms.TryGetValue(d.DeviceId, out List<string>? c) ? c : []);

    /// <summary>Device → the root-cause cohort alarms whose cohort holds it ("micModel=mic-b bandwidth").</summary>
    private static Dictionary<string, List<string>> CohortAlarmsByDevice(IReadOnlyList<FleetAlarm> alarms)
    {
        var byDevice = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (FleetAlarm a in alarms.Where(a => a.ExplainedBy is null))
        {
            foreach (string device in a.Devices)
            {
                if (!byDevice.TryGetValue(device, out List<string>? list))
                {
                    byDevice[device] = list = [];
                }

                list.Add($"{a.Label}={a.Group} {a.Family}");
            }
        }

        return byDevice;
    }

    private static void Filters(HtmlWriter html, List<DeviceView> all, IQueryCollection query, bool hasAlarm, string search)
    {
        html.Open("form", ("method", "get"), ("action", "/devices"), ("class", "filters"), ("role", "search"), ("aria-label", "Filter devices"));
        foreach (string label in DeviceLabels.Names)
        {
            string? selected = query[label].FirstOrDefault();
            html.Open("label").Text(label);
            html.Open("select", ("name", label));
            html.Element("option", "any", ("value", ""));
            foreach (string v in all.Select(d => d.Labels.Get(label)).OfType<string>().Distinct().Order(StringComparer.Ordinal))
            {
                html.Element("option", v, ("value", v), ("selected", v == selected ? "selected" : null));
            }

            html.Close().Close();
        }

        html.Open("label").Text("has alarm");
        html.Void("input", ("type", "checkbox"), ("name", "alarm"), ("value", "1"), ("checked", hasAlarm ? "checked" : null));
        html.Close();
        html.Open("label").Text("search");
        html.Void("input", ("type", "search"), ("name", "q"), ("value", search), ("placeholder", "device id or label"));
        html.Close();
        html.Element("button", "Filter", ("type", "submit"));
        html.Element("a", "Clear", ("href", "/devices"));
        html.Close();
    }
}
