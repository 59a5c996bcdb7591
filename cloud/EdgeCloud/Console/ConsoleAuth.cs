using System.Security.Claims;
using EdgeCloud.Api;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Console;

/// <summary>
/// Sign-in to the console with an API key: the form POSTs the key (never in a URL), the key is checked against the same
/// key store and admin key as <c>X-Api-Key</c>, and the browser gets an encrypted HttpOnly, SameSite=Strict cookie
/// holding the key's name and role (not the key). Console pages accept only that cookie, the API only the header, so
/// the API behaves exactly as before. Every console POST carries an antiforgery token.
/// </summary>
public static class ConsoleAuth
{
    public const string Scheme = "Console";
    public const string CookieName = "edgecloud-console";
    public const string ViewerPolicy = "console-viewer";
    public const string OperatorPolicy = "console-operator";
    public const string AdminPolicy = "console-admin";
    public const string LabelerPolicy = "console-labeler";
    public const string SignedInPolicy = "console-signed-in";

    /// <summary>Sent by the live-update script: answer 401 instead of redirecting to the sign-in page.</summary>
    public const string FragmentHeader = "X-Console-Fragment";

    public static void AddConsoleAuth(this AuthenticationBuilder authentication)
    {
        authentication.AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // plain HTTP on loopback and offline sites
            o.LoginPath = "/signin";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.Events.OnRedirectToLogin = ctx =>
            {
                if (ctx.Request.Headers.ContainsKey(FragmentHeader) || ctx.Request.Method != HttpMethods.Get)
                {
                    ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }
                else
                {
                    ctx.Response.Redirect(ctx.RedirectUri);
                }

                return Task.CompletedTask;
            };
            o.Events.OnRedirectToAccessDenied = ctx =>
            {
                ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
    }

    public static void AddPolicies(AuthorizationOptions o)
    {
        o.AddPolicy(ViewerPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Viewer, Roles.Operator, Roles.Admin));
        o.AddPolicy(OperatorPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Operator, Roles.Admin));
        o.AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Admin));
        o.AddPolicy(LabelerPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Labeler, Roles.Operator, Roles.Admin));
        o.AddPolicy(SignedInPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
    }

    public static bool IsViewer(this ClaimsPrincipal user) => user.IsInRole(Roles.Viewer) || user.CanOperate();

    public static bool CanLabel(this ClaimsPrincipal user) => user.IsInRole(Roles.Labeler) || user.CanOperate();

    /// <summary>Where a signed-in person starts: the devices, or the clips for a labeler (who sees no fleet).</summary>
    public static string Home(this ClaimsPrincipal user) => user.IsViewer() ? "/devices" : "/clips";

    public static bool CanOperate(this ClaimsPrincipal user) => user.IsInRole(Roles.Operator) || user.IsInRole(Roles.Admin);

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    public static void MapConsoleAuth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/signin", (HttpContext http, string? returnUrl) => SignInPage(http, returnUrl, null, StatusCodes.Status200OK)).AllowAnonymous();
        app.MapPost("/signin", SignInAsync).AllowAnonymous().DisableAntiforgery();
        app.MapPost("/signout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return ConsoleLayout.Problem(http, StatusCodes.Status400BadRequest, "The form expired or did not come from this console: reload the page and try again.");
            }

            await http.SignOutAsync(Scheme);
            return Results.Redirect("/signin");
        }).RequireAuthorization(ViewerPolicy).DisableAntiforgery();
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, ICloudStore store, IOptions<CloudOptions> cloud, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            return SignInPage(http, null, "Send the sign-in form.", StatusCodes.Status400BadRequest);
        }

        IFormCollection form = await http.Request.ReadFormAsync(ct);
        string? returnUrl = form["returnUrl"].FirstOrDefault();
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return SignInPage(http, returnUrl, "The form expired: try again.", StatusCodes.Status400BadRequest);
        }

        string key = form["apiKey"].FirstOrDefault()?.Trim() ?? "";
        if (key.Length == 0 || await ApiKeyAuthentication.FindAsync(key, store, cloud.Value, ct) is not { } found)
        {
            return SignInPage(http, returnUrl, "Unknown API key.", StatusCodes.Status401Unauthorized);
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, found.Name), new Claim(ClaimTypes.Role, found.Role)], Scheme);
        var principal = new ClaimsPrincipal(identity);
        await http.SignInAsync(Scheme, principal);
        return Results.Redirect(returnUrl is { Length: > 1 } r && r[0] == '/' && r[1] != '/' && r[1] != '\\' ? r : principal.Home());
    }

    private static IResult SignInPage(HttpContext http, string? returnUrl, string? error, int status)
    {
        var html = new HtmlWriter();
        html.Open("form", ("method", "post"), ("action", "/signin"), ("class", "signin"), ("aria-labelledby", "signin-title"));
        html.Element("h2", "Sign in with an API key", ("id", "signin-title"));
        if (error is not null)
        {
            html.Element("p", error, ("class", "error"), ("role", "alert"));
        }

        ConsoleLayout.Csrf(html, http);
        html.Void("input", ("type", "hidden"), ("name", "returnUrl"), ("value", returnUrl));
        html.Element("label", "API key", ("for", "apiKey"));
        html.Void("input", ("id", "apiKey"), ("name", "apiKey"), ("type", "password"), ("autocomplete", "off"), ("required", "required"), ("autofocus", "autofocus"));
        html.Element("p", "Its role decides what the console lets you do: viewer (read), labeler (clips), operator (rollouts), admin (audit).", ("class", "hint"));
        html.Element("button", "Sign in", ("type", "submit"));
        html.Close();
        return ConsoleLayout.Bare(http, "Sign in", html.ToString(), status);
    }
}
