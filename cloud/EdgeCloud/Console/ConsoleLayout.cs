using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;

namespace EdgeCloud.Console;

/// <summary>
/// The console's page shell: header, navigation, who is signed in, and the page in two parts — its controls (forms,
/// left alone by live updates) and its live region, which the script refreshes in place by asking for the same URL with
/// <see cref="ConsoleAuth.FragmentHeader"/> (answered with the live region only).
/// </summary>
public static class ConsoleLayout
{
    /// <summary>Scripts and styles from this server only; no inline script, no frames, forms post back here.</summary>
    private const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly (string Href, string Text, Func<ClaimsPrincipal, bool> May)[] s_nav =
    [
        ("/devices", "Devices", ConsoleAuth.IsViewer), ("/cohorts", "Cohorts", ConsoleAuth.IsViewer), ("/alarms", "Alarms", ConsoleAuth.IsViewer),
        ("/rollouts", "Rollouts", ConsoleAuth.IsViewer), ("/models", "Models", ConsoleAuth.IsViewer), ("/quality", "Quality", ConsoleAuth.IsViewer),
        ("/clips", "Clips", ConsoleAuth.CanLabel), ("/audit", "Audit", ConsoleAuth.IsAdmin),
    ];

    public static bool IsFragment(HttpContext http) => http.Request.Headers.ContainsKey(ConsoleAuth.FragmentHeader);

    /// <summary>A console page: <paramref name="live"/> alone when the script asks for the fragment.</summary>
    public static IResult Page(HttpContext http, string title, Action<HtmlWriter>? controls, Action<HtmlWriter> live, int status = StatusCodes.Status200OK)
    {
        var region = new HtmlWriter();
        live(region);
        if (IsFragment(http))
        {
            return Html(http, region.ToString(), status);
        }

        var body = new HtmlWriter();
        controls?.Invoke(body);
        body.Open("div", ("id", "live"), ("class", "live"), ("data-live", "3000")).Trusted(region.ToString()).Close();
        return Shell(http, title, body.ToString(), http.User, status);
    }

    /// <summary>A page without navigation (sign-in).</summary>
    public static IResult Bare(HttpContext http, string title, string body, int status) => Shell(http, title, body, null, status);

    public static IResult Problem(HttpContext http, int status, string message)
    {
        var body = new HtmlWriter().Element("p", message, ("class", "error"), ("role", "alert"));
        return Shell(http, status == StatusCodes.Status404NotFound ? "Not found" : "Problem", body.ToString(), http.User.Identity?.IsAuthenticated == true ? http.User : null, status);
    }

    /// <summary>The antiforgery token of a POST form.</summary>
    public static void Csrf(HtmlWriter html, HttpContext http)
    {
        AntiforgeryTokenSet tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        html.Void("input", ("type", "hidden"), ("name", tokens.FormFieldName), ("value", tokens.RequestToken));
    }

    public static string Time(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "–";

    /// <summary>A time element (machine-readable datetime, readable text).</summary>
    public static void TimeCell(HtmlWriter html, DateTimeOffset? at) =>
        html.Open("td").Element("time", Time(at), ("datetime", at?.ToString("O", CultureInfo.InvariantCulture))).Close();

    private static IResult Shell(HttpContext http, string title, string body, ClaimsPrincipal? user, int status)
    {
        var html = new HtmlWriter();
        html.Trusted("<!doctype html>");
        html.Open("html", ("lang", "en"));
        html.Open("head");
        html.Void("meta", ("charset", "utf-8"));
        html.Void("meta", ("name", "viewport"), ("content", "width=device-width, initial-scale=1"));
        html.Element("title", $"{title} · edge-cloud console");
        html.Void("link", ("rel", "stylesheet"), ("href", ConsoleAssets.Path("console.css")));
        html.Open("script", ("src", ConsoleAssets.Path("console.js")), ("defer", "defer")).Close();
        html.Close();
        html.Open("body");
        html.Open("header", ("class", "top"));
        html.Element("a", "edge-cloud", ("class", "brand"), ("href", user?.Identity?.IsAuthenticated == true ? user.Home() : "/devices"));
        if (user?.Identity?.IsAuthenticated == true)
        {
            string path = http.Request.Path.Value ?? "/";
            html.Open("nav", ("aria-label", "Console"));
            foreach ((string href, string text, _) in s_nav.Where(n => n.May(user)))
            {
                bool current = path == href || path.StartsWith(href + "/", StringComparison.Ordinal);
                html.Element("a", text, ("href", href), ("aria-current", current ? "page" : null));
            }

            html.Close();
            html.Element("span", $"{user.Identity.Name} · {user.FindFirstValue(ClaimTypes.Role)}", ("class", "who"), ("data-testid", "signed-in-as"));
            html.Open("form", ("method", "post"), ("action", "/signout"), ("class", "signout"));
            Csrf(html, http);
            html.Element("button", "Sign out", ("type", "submit"));
            html.Close();
        }

        html.Close();
        html.Open("main");
        html.Element("h1", title);
        html.Trusted(body);
        html.Close();
        html.Close().Close();
        return Html(http, html.ToString(), status);
    }

    private static IResult Html(HttpContext http, string html, int status)
    {
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "same-origin";
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }
}
