using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Console;

/// <summary>
/// The fleet console, served by edge-cloud on the API's port: server-rendered pages (each reachable by its URL),
/// SVG plots drawn from the same merged histograms the API computes, a small script for live updates.
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>
    /// The console's cookie scheme, its policies and antiforgery. The keys that encrypt the session and antiforgery
    /// cookies live in the data directory (<c>console-keys</c>), so a restart keeps people signed in.
    /// </summary>
    public static void AddConsole(this IServiceCollection services, AuthenticationBuilder authentication)
    {
        services.AddDataProtection().SetApplicationName("edge-cloud");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<CloudOptions>, ILoggerFactory>((o, cloud, loggers) =>
            o.XmlRepository = new FileSystemXmlRepository(Directory.CreateDirectory(Path.Combine(cloud.Value.DataDir, "console-keys")), loggers));
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
        app.MapGet("/", (HttpContext http) => Results.Redirect(http.User.Home())).RequireAuthorization(ConsoleAuth.SignedInPolicy).ExcludeFromDescription();
        pages.MapGet("/devices", DevicesPage.RenderAsync);
        pages.MapGet("/devices/{id}", DevicePage.RenderAsync);
        pages.MapGet("/cohorts", CohortsPage.RenderAsync);
        pages.MapGet("/alarms", AlarmsPage.RenderAsync);
        pages.MapGet("/rollouts", RolloutsPage.RenderAsync);
        pages.MapGet("/rollouts/{id}", RolloutPage.RenderAsync);
        pages.MapGet("/models", ModelsPage.RenderAsync);
        pages.MapGet("/quality", QualityPage.RenderAsync);
        pages.MapGet("/audit", AuditPage.RenderAsync).RequireAuthorization(ConsoleAuth.AdminPolicy);

        // Clips: labelers (not necessarily viewers of the fleet), operators and admins; every listen audited.
        RouteGroupBuilder clips = app.MapGroup("/clips").RequireAuthorization(ConsoleAuth.LabelerPolicy).ExcludeFromDescription();
        clips.MapGet("", ClipsPage.RenderAsync);
        clips.MapGet("/{id}", ClipPage.RenderAsync);
        clips.MapGet("/{id}/audio", Clips.ClipsApi.AudioAsync);
        clips.MapPost("/{id}/labels", ClipPage.LabelAsync).DisableAntiforgery();

        // Mutations: operator role and an antiforgery token (checked in each handler); a viewer's POST is refused (403).
        pages.MapPost("/rollouts", RolloutsPage.StartAsync).RequireAuthorization(ConsoleAuth.OperatorPolicy).DisableAntiforgery();
        pages.MapPost("/rollouts/{id}/{action}", RolloutPage.ActAsync).RequireAuthorization(ConsoleAuth.OperatorPolicy).DisableAntiforgery();
    }
}
