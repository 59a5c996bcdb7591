using EdgeCloud.Storage;

namespace EdgeCloud.Console;

/// <summary><c>/audit</c> (admin, like <c>/api/audit</c>): who did what, newest first.</summary>
public static class AuditPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, ICloudStore store, CancellationToken ct)
    {
        IReadOnlyList<AuditRecord> entries = await store.ListAuditAsync(500, ct);
        return ConsoleLayout.Page(http, "Audit", null, html =>
        {
            html.Open("table", ("aria-label", "Audit log")).Open("thead").Open("tr");
            foreach (string h in new[] { "At", "Who", "Role", "Action", "Target", "Detail" })
            {
                html.Element("th", h, ("scope", "col"));
            }

            html.Close().Close().Open("tbody");
            foreach (AuditRecord e in entries.OrderByDescending(e => e.At))
            {
                html.Open("tr", ("data-testid", "audit-row"));
                ConsoleLayout.TimeCell(html, e.At);
                html.Element("td", e.Actor).Element("td", e.Role).Element("td", e.Action).Element("td", e.Target).Element("td", e.Detail ?? "–").Close();
            }

            html.Close().Close();
        });
    }
}
