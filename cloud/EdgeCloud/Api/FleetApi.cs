using System.Security.Claims;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Fleet;
using EdgeCloud.Ingest;
using EdgeCloud.Mqtt;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Api;

/// <summary>The fleet API: devices, their windows and alarms, the fleet reference, cohort drift, ingest statistics and commands.</summary>
public static class FleetApi
{
    private static readonly JsonSerializerOptions s_commandJson = new(JsonSerializerDefaults.Web) { MaxDepth = 32 };

    public static void MapFleetApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup("/api").RequireAuthorization(Roles.Viewer);

        api.MapPost("/devices", RegisterDeviceAsync).RequireAuthorization(Roles.Operator);
        api.MapGet("/devices", ListDevicesAsync);
        api.MapGet("/devices/{id}", GetDeviceAsync);
        api.MapGet("/devices/{id}/windows", ListWindowsAsync);
        api.MapGet("/devices/{id}/events", async (string id, ICloudStore store, CancellationToken ct, int limit = 200) =>
            TypedResults.Ok(await store.ListEventsAsync(id, Math.Clamp(limit, 1, 10_000), ct)));
        api.MapPut("/fleet/reference", SetReferenceAsync).RequireAuthorization(Roles.Operator);
        api.MapGet("/fleet/drift", FleetDriftAsync);
        api.MapGet("/alarms", ListAlarmsAsync);
        api.MapGet("/ingest/stats", (IngestStats stats) => TypedResults.Ok(new IngestStatsView(stats.Accepted, stats.Duplicates, stats.Rejected)));
        api.MapPost("/devices/{id}/commands/{name}", SendCommandAsync).RequireAuthorization(Roles.Operator);
        api.MapGet("/devices/{id}/commands/{cmdId}", GetCommandAsync);
        api.MapPost("/apikeys", CreateApiKeyAsync).RequireAuthorization(Roles.Admin);
        api.MapGet("/audit", async (ICloudStore store, CancellationToken ct, int limit = 200) =>
            TypedResults.Ok(await store.ListAuditAsync(Math.Clamp(limit, 1, 10_000), ct))).RequireAuthorization(Roles.Admin);
    }

    private static async Task<Results<Created<DeviceCreated>, ValidationProblem, Conflict<ProblemText>>> RegisterDeviceAsync(
        RegisterDevice body, ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        if (!Topics.IsValidDeviceId(body.DeviceId))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["deviceId"] = ["1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"] });
        }

        string secret = DeviceCredentials.NewSecret();
        var device = new DeviceRecord { DeviceId = body.DeviceId, Labels = body.Labels ?? new DeviceLabels(), PasswordHash = DeviceCredentials.Hash(secret), CreatedAt = time.GetUtcNow() };
        if (!await store.AddDeviceAsync(device, ct))
        {
            return TypedResults.Conflict(new ProblemText($"device '{body.DeviceId}' is already registered"));
        }

        await AuditAsync(store, user, time, "device.register", body.DeviceId, JsonSerializer.Serialize(device.Labels, ContractsJsonContext.Default.DeviceLabels), ct);
        return TypedResults.Created($"/api/devices/{body.DeviceId}", new DeviceCreated(body.DeviceId, body.DeviceId, secret));
    }

    private static async Task<Ok<List<DeviceView>>> ListDevicesAsync(ICloudStore store, IOptions<CloudOptions> options, TimeProvider time, CancellationToken ct) =>
        TypedResults.Ok((await store.ListDevicesAsync(ct)).Select(d => DeviceView.From(d, options.Value, time.GetUtcNow())).ToList());

    private static async Task<Results<Ok<DeviceView>, NotFound<ProblemText>>> GetDeviceAsync(string id, ICloudStore store, IOptions<CloudOptions> options, TimeProvider time, CancellationToken ct) =>
        await store.GetDeviceAsync(id, ct) is { } d
            ? TypedResults.Ok(DeviceView.From(d, options.Value, time.GetUtcNow()))
            : TypedResults.NotFound(new ProblemText($"no device '{id}'"));

    private static async Task<Results<Ok<List<WindowView>>, NotFound<ProblemText>>> ListWindowsAsync(string id, ICloudStore store, CancellationToken ct, int limit = 1000)
    {
        if (await store.GetDeviceAsync(id, ct) is null)
        {
            return TypedResults.NotFound(new ProblemText($"no device '{id}'"));
        }

        return TypedResults.Ok((await store.ListWindowsAsync(id, Math.Clamp(limit, 1, 100_000), ct)).Select(WindowView.From).ToList());
    }

    private static async Task<Results<Ok<ReferenceView>, BadRequest<ProblemText>>> SetReferenceAsync(
        HttpRequest request, ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        SignalProfile profile;
        string? description;
        try
        {
            ProfileDocument doc = await JsonSerializer.DeserializeAsync(request.Body, DriftJsonContext.Default.ProfileDocument, ct)
                ?? throw new FormatException("empty body");
            profile = doc.ToProfile();
            description = doc.Description;
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return TypedResults.BadRequest(new ProblemText($"not a profile as written by 'edgectl profile build': {ex.Message}"));
        }

        await store.SetReferenceAsync(ProfileCodec.Encode(profile), description, ct);
        await AuditAsync(store, user, time, "fleet.reference.set", "fleet", $"{profile.SpeechSeconds:F0} s of speech; {description}", ct);
        return TypedResults.Ok(new ReferenceView(Math.Round(profile.DurationSeconds, 1), Math.Round(profile.SpeechSeconds, 1), description));
    }

    private static async Task<Results<Ok<IReadOnlyList<CohortVerdict>>, BadRequest<ProblemText>, Conflict<ProblemText>>> FleetDriftAsync(
        ICloudStore store, CohortDrift cohorts, CancellationToken ct, string groupBy = "micModel", double hours = 1)
    {
        if (!CohortDrift.IsGroupable(groupBy))
        {
            return TypedResults.BadRequest(new ProblemText($"groupBy must be one of {string.Join(", ", DeviceLabels.Names)}, or model:<name> (by that model's version)"));
        }

        if (await store.GetReferenceAsync(ct) is not { } reference)
        {
            return TypedResults.Conflict(new ProblemText("no fleet reference yet: PUT /api/fleet/reference with a profile from 'edgectl profile build'"));
        }

        return TypedResults.Ok(await cohorts.EvaluateAsync(groupBy, Math.Clamp(hours, 0.01, 24 * 31), ProfileCodec.Decode(reference.Profile), ct));
    }

    /// <summary>Device alarms (as the devices reported them) and cohort alarms (raised by the fleet watch).</summary>
    private static async Task<Ok<List<AlarmView>>> ListAlarmsAsync(ICloudStore store, FleetWatch fleet, CancellationToken ct, bool active = false)
    {
        IEnumerable<AlarmView> devices = (await store.ListDevicesAsync(ct))
            .SelectMany(d => d.Alarms.Select(a => new AlarmView("device", d.DeviceId, null, null, a.Key, a.Value.State, a.Value.Since, a.Value.Detail)))
            .Where(a => !active || a.State != "ok")
            .OrderBy(a => a.DeviceId, StringComparer.Ordinal).ThenBy(a => a.Family, StringComparer.Ordinal);
        IEnumerable<AlarmView> cohorts = fleet.ActiveAlarms.Select(a => new AlarmView("cohort", null, a.Label, a.Group, a.Family, a.State, a.Since, a.Evidence, a.RootCause, a.ExplainedBy, a.Devices));
        return TypedResults.Ok(devices.Concat(cohorts).ToList());
    }

    private static async Task<Results<Accepted<CommandView>, NotFound<ProblemText>, ValidationProblem>> SendCommandAsync(
        string id, string name, HttpRequest request, ICloudStore store, ICommandPublisher publisher, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        if (!Topics.IsValidCommandName(name))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["1-32 lower-case letters, digits or '-'"] });
        }

        if (await store.GetDeviceAsync(id, ct) is null)
        {
            return TypedResults.NotFound(new ProblemText($"no device '{id}'"));
        }

        SendCommand body;
        try
        {
            // Bound like every other body: camelCase (ttlSeconds, args) as documented, any case accepted.
            body = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0
                ? await JsonSerializer.DeserializeAsync<SendCommand>(request.Body, s_commandJson, ct) ?? new SendCommand()
                : new SendCommand();
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"not a command body {{\"ttlSeconds\": 1-{SendCommand.MaxTtlSeconds}, \"args\": any JSON}}: {ex.Message}"] });
        }

        if (body.TtlSeconds is < 1 or > SendCommand.MaxTtlSeconds)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ttlSeconds"] = [$"between 1 and {SendCommand.MaxTtlSeconds}"] });
        }

        DateTimeOffset now = time.GetUtcNow();
        var command = new CommandRecord { DeviceId = id, CmdId = Guid.NewGuid().ToString("n"), Name = name, CreatedAt = now, ExpiresAt = now.AddSeconds(body.TtlSeconds ?? 300) };
        await store.AddCommandAsync(command, ct);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(new CommandPayload { CmdId = command.CmdId, ExpiresAt = command.ExpiresAt, Args = body.Args }, ContractsJsonContext.Default.CommandPayload);
        await publisher.PublishCommandAsync(id, name, payload, ct);
        await AuditAsync(store, user, time, "device.command", id, $"{name} {command.CmdId}", ct);
        return TypedResults.Accepted($"/api/devices/{id}/commands/{command.CmdId}", CommandView.From(command));
    }

    private static async Task<Results<Ok<CommandView>, NotFound<ProblemText>>> GetCommandAsync(string id, string cmdId, ICloudStore store, CancellationToken ct) =>
        await store.GetCommandAsync(id, cmdId, ct) is { } c ? TypedResults.Ok(CommandView.From(c)) : TypedResults.NotFound(new ProblemText($"no command '{cmdId}' for '{id}'"));

    private static async Task<Results<Created<ApiKeyCreated>, ValidationProblem>> CreateApiKeyAsync(CreateApiKey body, ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        if (!Roles.All.Contains(body.Role) || string.IsNullOrWhiteSpace(body.Name))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = [$"name required; role one of {string.Join(", ", Roles.All)}"] });
        }

        string key = DeviceCredentials.NewSecret();
        await store.AddApiKeyAsync(new ApiKeyRecord(ApiKeyAuthentication.Hash(key), body.Name, body.Role, time.GetUtcNow()), ct);
        await AuditAsync(store, user, time, "apikey.create", body.Name, body.Role, ct);
        return TypedResults.Created("/api/apikeys", new ApiKeyCreated(body.Name, body.Role, key));
    }

    internal static Task AuditAsync(ICloudStore store, ClaimsPrincipal user, TimeProvider time, string action, string target, string? detail, CancellationToken ct) =>
        store.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), user.Identity?.Name ?? "?", user.FindFirstValue(ClaimTypes.Role) ?? "?", action, target, detail), ct);
}

public sealed record RegisterDevice(string DeviceId, DeviceLabels? Labels);

public sealed record DeviceCreated(string DeviceId, string MqttUsername, string MqttPassword);

public sealed record DeviceView(string DeviceId, bool Online, DateTimeOffset? LastSeen, DeviceLabels Labels, List<ModelRef> Models, List<string> ActiveAlarms, string? AgentVersion, Dictionary<string, AlarmStatus> Alarms)
{
    public static DeviceView From(DeviceRecord d, CloudOptions options, DateTimeOffset now) => new(
        d.DeviceId,
        d.Online && d.LastSeen is { } seen && now - seen < TimeSpan.FromSeconds(options.OfflineAfterSeconds),
        d.LastSeen,
        d.Labels,
        d.Models,
        d.Alarms.Where(a => a.Value.State != "ok").Select(a => a.Key).Order(StringComparer.Ordinal).ToList(),
        d.AgentVersion,
        d.Alarms);
}

public sealed record WindowView(string BootId, ulong Seq, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, DateTimeOffset ReceivedAt, string? Verdict, double DurationSeconds, double SpeechSeconds, Dictionary<string, long> Detections, long OutboxDropped)
{
    public static WindowView From(WindowRecord w) => new(w.BootId, w.Seq, w.WindowStart, w.WindowEnd, w.ReceivedAt, w.Verdict, w.DurationSeconds, w.SpeechSeconds, w.Detections, w.OutboxDropped);
}

public sealed record ReferenceView(double DurationSeconds, double SpeechSeconds, string? Description);

/// <summary>
/// An alarm of one device (scope device) or of a cohort (scope cohort: label = group; detail is the last evaluation's
/// evidence, rootCause the cohort that explains it — itself when it is the root — and explainedBy how another explains it).
/// </summary>
public sealed record AlarmView(
    string Scope, string? DeviceId, string? Label, string? Group, string Family, string State, DateTimeOffset? Since, string? Detail,
    CohortRef? RootCause = null, string? ExplainedBy = null, IReadOnlyList<string>? Devices = null);

public sealed record IngestStatsView(long Accepted, long Duplicates, IReadOnlyDictionary<string, long> Rejected);

/// <summary>The body of <c>POST /api/devices/{id}/commands/{name}</c>: <c>{"ttlSeconds": 300, "args": {...}}</c>, both optional.</summary>
public sealed record SendCommand(JsonElement? Args = null, int? TtlSeconds = null)
{
    public const int MaxTtlSeconds = 7 * 86_400;
}

public sealed record CommandView(string CmdId, string Name, string Status, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? AckedAt, string? Detail)
{
    public static CommandView From(CommandRecord c) => new(c.CmdId, c.Name, c.Status, c.CreatedAt, c.ExpiresAt, c.AckedAt, c.Detail);
}

public sealed record CreateApiKey(string Name, string Role);

public sealed record ApiKeyCreated(string Name, string Role, string ApiKey);

public sealed record ProblemText(string Error);
