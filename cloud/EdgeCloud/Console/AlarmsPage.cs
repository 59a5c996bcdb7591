using EdgeCloud.Fleet;
using EdgeCloud.Storage;

namespace EdgeCloud.Console;

/// <summary>
/// <c>/alarms</c>: cohort alarms, one row per root cause (the cohorts it explains listed inside it, e.g. "site=lobby —
/// contains only mic-b devices"), and device alarms, each with state, since and evidence. Active ones only, unless
/// <c>?all=1</c> (device alarms back to ok too).
/// </summary>
public static class AlarmsPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, ICloudStore store, FleetWatch fleet, CancellationToken ct)
    {
        bool all = http.Request.Query["all"] == "1";
        IReadOnlyList<FleetAlarm> cohorts = fleet.ActiveAlarms;
        var devices = (await store.ListDevicesAsync(ct))
            .SelectMany(d => d.Alarms.Select(a => (d.DeviceId, Family: a.Key, Status: a.Value)))
            .Where(a => all || a.Status.State != "ok")
            .OrderBy(a => a.DeviceId, StringComparer.Ordinal).ThenBy(a => a.Family, StringComparer.Ordinal).ToList();

        return ConsoleLayout.Page(http, "Alarms", html =>
        {
            html.Open("p", ("class", "muted"));
            html.Element("a", all ? "Show active alarms only" : "Show device alarms that are back to ok too", ("href", all ? "/alarms" : "/alarms?all=1"));
            html.Close();
        }, html =>
        {
            List<FleetAlarm> roots = cohorts.Where(a => a.ExplainedBy is null).ToList();
            html.Element("h2", $"Cohort alarms: {roots.Count} root cause(s) of {cohorts.Count} alarm(s)");
            html.Open("table", ("aria-label", "Cohort alarms")).Open("thead").Open("tr");
            foreach (string h in new[] { "Cohort", "Family", "State", "Since", "Evidence", "Devices", "Also explains" })
            {
                html.Element("th", h, ("scope", "col"));
            }

            html.Close().Close().Open("tbody");
            foreach (FleetAlarm root in roots)
            {
                List<FleetAlarm> explained = cohorts.Where(a => a.ExplainedBy is not null && a.Family == root.Family && a.RootCause == root.RootCause).ToList();
                html.Open("tr", ("data-testid", "alarm-row"), ("data-scope", "cohort"), ("data-root", root.RootCause.ToString()), ("data-family", root.Family), ("data-state", root.State));
                html.Open("td").Element("a", root.RootCause.ToString(), ("href", $"/cohorts?groupBy={Uri.EscapeDataString(root.Label)}&cohort={Uri.EscapeDataString(root.Group)}")).Close();
                html.Element("td", root.Family).Element("td", root.State, ("class", $"state-{root.State}"));
                ConsoleLayout.TimeCell(html, root.Since);
                html.Element("td", root.Evidence ?? "–");
                html.Open("td");
                foreach (string d in root.Devices)
                {
                    html.Element("a", d, ("href", $"/devices/{Uri.EscapeDataString(d)}"), ("class", "chip"));
                }

                html.Close().Open("td");
                if (explained.Count > 0)
                {
                    html.Open("ul", ("class", "explained"));
                    foreach (FleetAlarm e in explained)
                    {
                        html.Element("li", $"{e.Label}={e.Group} ({e.State}) — {e.ExplainedBy}", ("data-testid", "alarm-explained"), ("data-cohort", $"{e.Label}={e.Group}"));
                    }

                    html.Close();
                }

                html.Close().Close();
            }

            html.Close().Close();

            html.Element("h2", $"Device alarms: {devices.Count}");
            html.Open("table", ("aria-label", "Device alarms")).Open("thead").Open("tr");
            foreach (string h in new[] { "Device", "Family", "State", "Since", "Evidence" })
            {
                html.Element("th", h, ("scope", "col"));
            }

            html.Close().Close().Open("tbody");
            foreach ((string device, string family, AlarmStatus status) in devices)
            {
                html.Open("tr", ("data-testid", "alarm-row"), ("data-scope", "device"), ("data-device-id", device), ("data-family", family), ("data-state", status.State));
                html.Open("td").Element("a", device, ("href", $"/devices/{Uri.EscapeDataString(device)}")).Close();
                html.Element("td", family).Element("td", status.State, ("class", $"state-{status.State}"));
                ConsoleLayout.TimeCell(html, status.Since);
                html.Element("td", status.Detail ?? "–").Close();
            }

            html.Close().Close();
        });
    }
}
