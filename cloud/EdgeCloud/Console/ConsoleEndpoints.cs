using EdgeCloud.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace EdgeCloud.Console;

/// <summary>
/// The fleet console, served by edge-cloud on the API's port: server-rendered pages (each reachable by its URL),
/// SVG plots drawn from the same merged histograms the API computes, a small script for live updates.
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>The console's cookie scheme, its policies and antiforgery.</summary>
    public static void AddConsole(this IServiceCollection services, AuthenticationBuilder authentication)
    {
        authentication.AddConsoleAuth();
        services.Configure<AuthorizationOptions>(ConsoleAuth.AddPolicies);
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "edgecloud-csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.FormFieldName = "__csrf";
        });
    }

    public static void MapConsole(this IEndpointRouteBuilder app)
    {
        app.MapConsoleAssets();
        app.MapConsoleAuth();
        RouteGroupBuilder pages = app.MapGroup("").RequireAuthorization(ConsoleAuth.ViewerPolicy).ExcludeFromDescription();
        pages.MapGet("/", () => Results.Redirect("/devices"));
        pages.MapGet("/devices", DevicesPage.RenderAsync);
        pages.MapGet("/devices/{id}", DevicePage.RenderAsync);
        pages.MapGet("/cohorts", CohortsPage.RenderAsync);
        pages.MapGet("/alarms", AlarmsPage.RenderAsync);
        pages.MapGet("/rollouts", RolloutsPage.RenderAsync);
        pages.MapGet("/rollouts/{id}", RolloutPage.RenderAsync);
        pages.MapGet("/models", ModelsPage.RenderAsync);
        pages.MapGet("/audit", AuditPage.RenderAsync).RequireAuthorization(ConsoleAuth.AdminPolicy);

        // Mutations: operator role and an antiforgery token (checked in each handler); a viewer's POST is refused (403).
        pages.MapPost("/rollouts", RolloutsPage.StartAsync).RequireAuthorization(ConsoleAuth.OperatorPolicy).DisableAntiforgery();
        pages.MapPost("/rollouts/{id}/{action}", RolloutPage.ActAsync).RequireAuthorization(ConsoleAuth.OperatorPolicy).DisableAntiforgery();
    }
}
