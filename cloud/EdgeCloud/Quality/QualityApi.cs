using EdgeAgent.Contracts;
using EdgeCloud.Api;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCloud.Quality;

/// <summary><c>GET /api/quality?model=&amp;groupBy=&amp;since=&amp;until=</c>: labelled quality per cohort and version (viewer).</summary>
public static class QualityApi
{
    /// <summary>Default range: the last week (windows are kept 7 days by default).</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(7);

    public const int MaxClips = 100_000;

    public static void MapQualityApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/quality", GetAsync).RequireAuthorization(Roles.Viewer);

    private static async Task<Results<Ok<List<QualityRow>>, BadRequest<ProblemText>>> GetAsync(
        ICloudStore store, TimeProvider time, CancellationToken ct, string? model = null, string? groupBy = null, DateTimeOffset? since = null, DateTimeOffset? until = null)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return TypedResults.BadRequest(new ProblemText("model is required (a keyword model's name, e.g. hey_jarvis)"));
        }

        if (groupBy is not null && !DeviceLabels.Names.Contains(groupBy))
        {
            return TypedResults.BadRequest(new ProblemText($"groupBy must be one of {string.Join(", ", DeviceLabels.Names)} (or omitted: the whole fleet)"));
        }

        DateTimeOffset to = until ?? time.GetUtcNow();
        DateTimeOffset from = since ?? to - DefaultRange;
        if (from >= to)
        {
            return TypedResults.BadRequest(new ProblemText("since must be before until"));
        }

        return TypedResults.Ok(await ComputeAsync(store, model, groupBy, from, to, ct));
    }

    /// <summary>The rows for clips heard and windows ended in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static async Task<List<QualityRow>> ComputeAsync(ICloudStore store, string model, string? groupBy, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        IReadOnlyList<DeviceRecord> devices = await store.ListDevicesAsync(ct);
        IReadOnlyList<ClipRecord> clips = await store.ListClipsAsync(new ClipQuery { Since = from, Until = to, Limit = MaxClips }, ct);
        List<WindowRecord> windows = (await store.WindowsSinceAsync(from, ct)).Where(w => w.WindowEnd < to).ToList();
        return QualityCalculator.Compute(model, groupBy, devices, clips, windows);
    }
}
