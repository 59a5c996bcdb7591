using EdgeAgent.Contracts;
using EdgeCloud.Api;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCloud.Quality;

/// <summary>
/// <c>GET /api/quality?model=&amp;groupBy=&amp;since=&amp;until=&amp;bucketHours=</c>: labelled quality per cohort and version
/// (viewer); with <c>bucketHours</c>, one set of rows per bucket of that many hours (quality over time), oldest first.
/// </summary>
public static class QualityApi
{
    /// <summary>Default range: the last week (windows are kept 7 days by default).</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(7);

    public const int MaxClips = 100_000;

    public const int MaxBuckets = 1000;

    public static void MapQualityApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/quality", GetAsync).RequireAuthorization(Roles.Viewer);

    private static async Task<Results<Ok<List<QualityRow>>, BadRequest<ProblemText>>> GetAsync(
        ICloudStore store, TimeProvider time, CancellationToken ct, string? model = null, string? groupBy = null, DateTimeOffset? since = null, DateTimeOffset? until = null,
        double? bucketHours = null)
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

        TimeSpan bucket = to - from;
        if (bucketHours is { } hours)
        {
            if (!double.IsFinite(hours) || hours <= 0 || (to - from).TotalHours / hours > MaxBuckets)
            {
                return TypedResults.BadRequest(new ProblemText($"bucketHours must be > 0 and make at most {MaxBuckets} buckets of the range"));
            }

            bucket = TimeSpan.FromHours(hours);
        }

        return TypedResults.Ok(await ComputeAsync(store, model, groupBy, from, to, bucket, ct));
    }

    /// <summary>The rows for clips heard and windows ended in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static Task<List<QualityRow>> ComputeAsync(ICloudStore store, string model, string? groupBy, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        ComputeAsync(store, model, groupBy, from, to, to - from, ct);

    /// <summary>The rows of each bucket of [<paramref name="from"/>, <paramref name="to"/>), oldest first (the store is read once).</summary>
    public static async Task<List<QualityRow>> ComputeAsync(ICloudStore store, string model, string? groupBy, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken ct)
    {
        IReadOnlyList<DeviceRecord> devices = await store.ListDevicesAsync(ct);
        IReadOnlyList<ClipRecord> clips = await store.ListClipsAsync(new ClipQuery { Since = from, Until = to, Limit = MaxClips }, ct);
        List<WindowRecord> windows = (await store.WindowsSinceAsync(from, ct)).Where(w => w.WindowEnd < to).ToList();
        var rows = new List<QualityRow>();
        for (DateTimeOffset start = from; start < to; start += bucket)
        {
            DateTimeOffset end = start + bucket < to ? start + bucket : to;
            rows.AddRange(QualityCalculator.Compute(model, groupBy, devices, clips.Where(c => c.At >= start && c.At < end).ToList(), windows.Where(w => w.WindowEnd >= start && w.WindowEnd < end).ToList())
                .Select(r => r with { From = start, Until = end }));
        }

        return rows;
    }
}
