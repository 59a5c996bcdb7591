using System.Security.Claims;
using EdgeAgent.Contracts;
using EdgeCloud.Api;
using EdgeCloud.Registry;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCloud.Rollouts;

/// <summary>
/// <c>/api/rollouts</c>: start a rollout of a registered model version (operator), follow it (viewer), and pause,
/// resume, promote, abort or roll it back (operator). Every action is audited with who did it.
/// </summary>
public static class RolloutApi
{
    public static readonly string[] Actions = ["pause", "resume", "promote", "abort", "rollback"];

    public static void MapRolloutApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder rollouts = app.MapGroup("/api/rollouts").RequireAuthorization(Roles.Viewer);
        rollouts.MapPost("", CreateAsync).RequireAuthorization(Roles.Operator);
        rollouts.MapGet("", ListAsync);
        rollouts.MapGet("/{id}", GetAsync);
        rollouts.MapPost("/{id}/{action}", ActAsync).RequireAuthorization(Roles.Operator);
    }

    private static async Task<Results<Created<RolloutCreated>, ValidationProblem, NotFound<ProblemText>>> CreateAsync(
        RolloutRequest body, ICloudStore store, RolloutEngine engine, ClaimsPrincipal user, CancellationToken ct)
    {
        RolloutStart start = await StartAsync(body, store, engine, user.Identity?.Name ?? "?", ct);
        return start switch
        {
            { Rollout: { } rollout } => TypedResults.Created($"/api/rollouts/{rollout.Id}", new RolloutCreated(rollout.Id, rollout.Devices.Count)),
            { Missing: true } => TypedResults.NotFound(new ProblemText(start.Problems[0])),
            _ => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [start.Field] = [.. start.Problems] }),
        };
    }

    /// <summary>Checks a request and starts the rollout (the API's POST and the console's form both come here).</summary>
    public static async Task<RolloutStart> StartAsync(RolloutRequest body, ICloudStore store, RolloutEngine engine, string actor, CancellationToken ct)
    {
        List<string> problems = body.Problems(out Dictionary<string, string>? labels);
        if (problems.Count > 0)
        {
            return new RolloutStart(null, "rollout", problems, false);
        }

        if (await RegistryApi.ResolveAsync(store, body.Model!, body.Version!, ct) is not { } model)
        {
            return new RolloutStart(null, "model", [$"no model {body.Model}@{body.Version} in the registry (upload it first: POST /api/models)"], true);
        }

        if (body.Strategy == "shadow" || body.ShadowSeconds > 0)
        {
            if (model.Manifest.Kind is not (ModelPackageManifest.Vad or ModelPackageManifest.Keyword))
            {
                return new RolloutStart(null, "strategy", [$"a {model.Manifest.Kind} model cannot run in shadow (vad and keyword models can)"], false);
            }
        }

        return new RolloutStart(await engine.CreateAsync(body, labels, model, actor, ct), "", [], false);
    }

    private static async Task<Ok<List<RolloutView>>> ListAsync(RolloutEngine engine, CancellationToken ct)
    {
        var views = new List<RolloutView>();
        foreach (Rollout r in await engine.ListAsync(ct))
        {
            views.Add(RolloutView.From(r, await engine.ReportsAsync(r.Id, ct)));
        }

        return TypedResults.Ok(views);
    }

    private static async Task<Results<Ok<RolloutView>, NotFound<ProblemText>>> GetAsync(string id, RolloutEngine engine, CancellationToken ct) =>
        await engine.GetAsync(id, ct) is { } r
            ? TypedResults.Ok(RolloutView.From(r, await engine.ReportsAsync(id, ct)))
            : TypedResults.NotFound(new ProblemText($"no rollout {id}"));

    private static async Task<Results<Ok<RolloutView>, NotFound<ProblemText>, Conflict<ProblemText>>> ActAsync(
        string id, string action, RolloutEngine engine, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Actions.Contains(action))
        {
            return TypedResults.NotFound(new ProblemText($"no action '{action}' ({string.Join(", ", Actions)})"));
        }

        if (await engine.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound(new ProblemText($"no rollout {id}"));
        }

        (Rollout? rollout, string? problem) = await engine.CommandAsync(id, action, user.Identity?.Name ?? "?", ct);
        return rollout is null
            ? TypedResults.Conflict(new ProblemText(problem!))
            : TypedResults.Ok(RolloutView.From(rollout, await engine.ReportsAsync(id, ct)));
    }
}

public sealed record RolloutCreated(string Id, int Devices);

/// <summary>A started rollout, or the problems (under <paramref name="Field"/>) that kept it from starting; <paramref name="Missing"/>: no such model version.</summary>
public sealed record RolloutStart(Rollout? Rollout, string Field, IReadOnlyList<string> Problems, bool Missing);

/// <summary>The API's view of a rollout: where it is, every targeted device's phase and the history of transitions.</summary>
public sealed record RolloutView(
    string Id, string Model, string Version, RolloutStrategy Strategy, RolloutState State, RolloutStep Step, int Stage, bool AwaitingApproval,
    Dictionary<string, string>? Target, List<RolloutDeviceView> Devices, List<RolloutTransition> History)
{
    public static RolloutView From(Rollout r, IReadOnlyDictionary<string, RolloutDeviceReport> reports) => new(
        r.Id, r.Model, r.Version, r.Strategy, r.State, r.Step, r.Stage + 1, r.AwaitingApproval, r.Target,
        r.Devices.Select(d => reports.TryGetValue(d.DeviceId, out RolloutDeviceReport? rep)
                ? new RolloutDeviceView(d.DeviceId, rep.Phase, rep.Reason, d.Mode, d.Baseline, rep.Health, rep.Bytes, rep.At)
                : new RolloutDeviceView(d.DeviceId, d.Mode is null ? "-" : RolloutProgress.Queued, null, d.Mode, d.Baseline, null, null, null))
            .OrderBy(d => d.DeviceId, StringComparer.Ordinal).ToList(),
        r.History);
}

public sealed record RolloutDeviceView(
    string DeviceId, string Phase, string? Reason, string? Asked, string? Baseline, CandidateHealth? Health, long? Bytes, DateTimeOffset? At);
