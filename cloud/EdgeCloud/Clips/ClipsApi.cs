using System.Security.Claims;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Api;
using EdgeCloud.Ingest;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCloud.Clips;

/// <summary>
/// Clips: the fleet's policy (operator sets, viewer reads), a device's own policy and its uploads (device credentials),
/// and for labelers the list, the audio (every listen audited), labels and the dataset export.
/// </summary>
public static class ClipsApi
{
    public const int MaxLabelKeywords = 16;
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { MaxDepth = 16 };

    public static void MapClipsApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/clips/policy", SetPolicyAsync).RequireAuthorization(Roles.Operator);
        app.MapGet("/api/clips/policy", async (ClipPolicies policies, ClipKey key, CancellationToken ct) =>
        {
            (FleetClipPolicy policy, long revision) = await policies.GetAsync(ct);
            return TypedResults.Ok(ClipPolicyView.From(policy, revision, key.PublicKey));
        }).RequireAuthorization(Roles.Viewer);
        app.MapGet("/api/clips/stats", (ClipIntake intake) => TypedResults.Ok(new IngestStatsView(intake.Stats.Accepted, intake.Stats.Duplicates, intake.Stats.Rejected)))
            .RequireAuthorization(Roles.Viewer);

        app.MapGet("/api/device/clips/policy", DevicePolicyAsync).RequireAuthorization(Roles.Device);
        app.MapPost("/api/device/clips", UploadAsync).RequireAuthorization(Roles.Device).DisableAntiforgery();

        app.MapGet("/api/clips", ListAsync).RequireAuthorization(Roles.Labeler);
        app.MapGet("/api/clips/{id}/audio", AudioAsync).RequireAuthorization(Roles.Labeler);
        app.MapPost("/api/clips/{id}/labels", LabelAsync).RequireAuthorization(Roles.Labeler);
        app.MapGet("/api/datasets/export", DatasetExport.ExportAsync).RequireAuthorization(Roles.Labeler);
        app.MapDelete("/api/clips/{id}", async (string id, ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct) =>
            await DeleteAsync(store, user, time, id, null, ct)).RequireAuthorization(Roles.Operator);
        app.MapDelete("/api/clips", async Task<IResult> (ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct, string? deviceId = null) =>
            string.IsNullOrEmpty(deviceId)
                ? TypedResults.BadRequest(new ProblemText("deviceId is required: DELETE /api/clips?deviceId=<id> deletes every clip of that device"))
                : await DeleteAsync(store, user, time, null, deviceId, ct)).RequireAuthorization(Roles.Operator);
    }

    private static async Task<Results<Ok<ClipPolicyView>, BadRequest<ProblemText>>> SetPolicyAsync(
        HttpRequest request, ClipPolicies policies, ClipKey key, ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        (ClipPolicyRequest? body, string? unreadable) = await ReadJsonAsync<ClipPolicyRequest>(request, "{target, enabled, triggers, maxClipsPerHour, retentionDays}", ct);
        if (body is null)
        {
            return TypedResults.BadRequest(new ProblemText(unreadable!));
        }

        (FleetClipPolicy? policy, List<string> problems) = body.ToPolicy(user.Identity?.Name ?? "?", time.GetUtcNow());
        if (policy is null)
        {
            return TypedResults.BadRequest(new ProblemText(string.Join("; ", problems)));
        }

        long revision = await policies.SetAsync(policy, ct);
        string target = policy.Labels is null ? "all" : string.Join(",", policy.Labels.Select(l => $"{l.Key}={l.Value}"));
        await FleetApi.AuditAsync(store, user, time, "clips.policy", "fleet", $"revision {revision}: enabled={policy.Enabled} target={target} maxClipsPerHour={policy.MaxClipsPerHour} retentionDays={policy.RetentionDays}", ct);
        return TypedResults.Ok(ClipPolicyView.From(policy, revision, key.PublicKey));
    }

    /// <summary>A purge on request (a clip, or all of a device's): audited; 404 when there was nothing to delete.</summary>
    private static async Task<IResult> DeleteAsync(ICloudStore store, ClaimsPrincipal user, TimeProvider time, string? id, string? deviceId, CancellationToken ct)
    {
        int deleted = await store.DeleteClipsAsync(id, deviceId, ct);
        if (deleted == 0)
        {
            return TypedResults.NotFound(new ProblemText(id is not null ? $"no clip '{id}'" : $"no clips of '{deviceId}'"));
        }

        await FleetApi.AuditAsync(store, user, time, "clips.delete", id ?? deviceId!, $"{deleted} clip(s)", ct);
        return TypedResults.Ok(new ClipsDeleted(deleted));
    }

    private static async Task<Results<Ok<ClipPolicy>, UnauthorizedHttpResult>> DevicePolicyAsync(ClaimsPrincipal user, ICloudStore store, ClipPolicies policies, CancellationToken ct) =>
        ApiKeyAuthentication.DeviceId(user) is { } id && await store.GetDeviceAsync(id, ct) is { } device
            ? TypedResults.Ok(await policies.ForDeviceAsync(device, ct))
            : TypedResults.Unauthorized();

    private static async Task<IResult> UploadAsync(HttpRequest request, ClaimsPrincipal user, ICloudStore store, ClipIntake intake, CancellationToken ct)
    {
        if (ApiKeyAuthentication.DeviceId(user) is not { } id || await store.GetDeviceAsync(id, ct) is not { } device)
        {
            return TypedResults.Unauthorized();
        }

        ClipUploadOutcome outcome;
        if (request.ContentLength > intake.MaxUploadBytes)
        {
            outcome = intake.TooLarge(device, request.ContentLength.Value);
        }
        else if (await ReadBodyAsync(request.Body, intake.MaxUploadBytes, ct) is { } body)
        {
            outcome = await intake.UploadAsync(device, body, ct);
        }
        else
        {
            outcome = intake.TooLarge(device, intake.MaxUploadBytes + 1L);
        }

        if (outcome.Status == StatusCodes.Status429TooManyRequests)
        {
            request.HttpContext.Response.Headers.RetryAfter = "600";
        }

        return outcome.ClipId is { } clipId
            ? outcome.Status == StatusCodes.Status201Created ? TypedResults.Created($"/api/clips/{clipId}", new ClipCreated(clipId)) : TypedResults.Ok(new ClipCreated(clipId))
            : TypedResults.Json(new ProblemText(outcome.Problem!), statusCode: outcome.Status);
    }

    /// <summary>A JSON body (camelCase, any case accepted), or what is wrong with it naming the expected shape.</summary>
    private static async Task<(T? Body, string? Problem)> ReadJsonAsync<T>(HttpRequest request, string shape, CancellationToken ct)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, s_json, ct) is { } body ? (body, null) : (null, $"the body is empty: send {shape}");
        }
        catch (JsonException ex)
        {
            return (null, $"not {shape}: {ex.Message}");
        }
    }

    /// <summary>The body, or null when it is longer than <paramref name="max"/> (never more than max + 1 bytes held).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(Stream body, int max, CancellationToken ct)
    {
        byte[] buffer = new byte[Math.Min(max + 1, 64 * 1024)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > max)
                {
                    return null;
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, max + 1L));
            }

            int n = await body.ReadAsync(buffer.AsMemory(length), ct);
            if (n == 0)
            {
                return buffer.AsMemory(0, length);
            }

            length += n;
        }
    }

    private static async Task<Results<Ok<List<ClipView>>, BadRequest<ProblemText>>> ListAsync(
        ICloudStore store, CancellationToken ct, string? deviceId = null, string? trigger = null, bool? labelled = null, int limit = 100,
        DateTimeOffset? since = null, DateTimeOffset? until = null)
    {
        if (trigger is not null && !ClipTrigger.All.Contains(trigger))
        {
            return TypedResults.BadRequest(new ProblemText($"trigger must be one of {string.Join(", ", ClipTrigger.All)}"));
        }

        var query = new ClipQuery { DeviceId = deviceId, Trigger = trigger, Labelled = labelled, Since = since, Until = until, Limit = Math.Clamp(limit, 1, 10_000) };
        return TypedResults.Ok((await store.ListClipsAsync(query, ct)).Select(ClipView.From).ToList());
    }

    /// <summary>A clip as WAV, the listen audited first (the API's and the console's).</summary>
    internal static async Task<IResult> AudioAsync(string id, ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        if (await store.GetClipAsync(id, ct) is not { } clip || await store.ReadClipAudioAsync(id, ct) is not { } pcm)
        {
            return TypedResults.NotFound(new ProblemText($"no clip '{id}'"));
        }

        await FleetApi.AuditAsync(store, user, time, "clip.listen", id, clip.DeviceId, ct); // before a byte of audio leaves
        return TypedResults.File(Wav.Encode(pcm, clip.SampleRate), "audio/wav", $"{id}.wav");
    }

    private static async Task<Results<Ok<ClipView>, NotFound<ProblemText>, BadRequest<ProblemText>>> LabelAsync(
        string id, HttpRequest request, ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        (LabelRequest? body, string? unreadable) = await ReadJsonAsync<LabelRequest>(request, "{keywords: [..], speech: true|false}", ct);
        if (body is null)
        {
            return TypedResults.BadRequest(new ProblemText(unreadable!));
        }

        return await ApplyLabelsAsync(id, body, store, user, time, ct) switch
        {
            (_, { } problem) => TypedResults.BadRequest(new ProblemText(problem)),
            ({ } clip, null) => TypedResults.Ok(ClipView.From(clip)),
            _ => TypedResults.NotFound(new ProblemText($"no clip '{id}'")),
        };
    }

    /// <summary>Validates and stores a labeler's labels (who and when), audited: the labelled clip, or the problem with the labels; (null, null) when there is no such clip.</summary>
    internal static async Task<(ClipRecord? Clip, string? Problem)> ApplyLabelsAsync(string id, LabelRequest body, ICloudStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        if (LabelProblem(body) is { } problem)
        {
            return (null, problem);
        }

        var labels = new ClipLabels(body.Keywords!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), body.Speech!.Value, user.Identity?.Name ?? "?", time.GetUtcNow());
        if (!await store.LabelClipAsync(id, labels, ct) || await store.GetClipAsync(id, ct) is not { } clip)
        {
            return (null, null);
        }

        await FleetApi.AuditAsync(store, user, time, "clip.label", id, $"keywords=[{string.Join(",", labels.Keywords)}] speech={labels.Speech}", ct);
        return (clip, null);
    }

    private static string? LabelProblem(LabelRequest body)
    {
        if (body.Keywords is null || body.Speech is null)
        {
            return "keywords (a list, empty when none was said) and speech (true or false) are both required";
        }

        if (body.Keywords.Count > MaxLabelKeywords)
        {
            return $"at most {MaxLabelKeywords} keywords";
        }

        if (body.Keywords.FirstOrDefault(k => string.IsNullOrEmpty(k) || k.Length > PayloadChecks.MaxNameLength || k.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':'))) is { } bad)
        {
            return $"keyword '{bad}' is not 1-{PayloadChecks.MaxNameLength} letters, digits, '.', '_', '-' or ':'";
        }

        return body.Keywords.Count > 0 && body.Speech == false ? "a clip in which a keyword was said holds speech: speech must be true when keywords are given" : null;
    }
}
