using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Clips;

/// <summary>
/// Deletes expired clips (audio, metadata and labels; each clip expires its policy's retention after it was heard) every
/// <see cref="ClipOptions.SweepEverySeconds"/>, in small batches, on the injected clock.
/// </summary>
public sealed partial class ClipRetention(ICloudStore store, IOptions<CloudOptions> options, TimeProvider time, ILogger<ClipRetention> logger) : BackgroundService
{
    /// <summary>One sweep: every clip expired by now goes; returns how many.</summary>
    public async Task<long> SweepAsync(CancellationToken cancellationToken = default)
    {
        long total = 0;
        int removed;
        while ((removed = await store.PruneClipsAsync(time.GetUtcNow(), options.Value.Clips.SweepBatch, cancellationToken)) > 0)
        {
            total += removed;
        }

        if (total > 0)
        {
            Log.Swept(logger, total);
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Clips.SweepEverySeconds), time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Failed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static partial class Log
    {
        [LoggerMessage(5602, LogLevel.Information, "Deleted {Clips} expired clips")]
        public static partial void Swept(ILogger logger, long clips);

        [LoggerMessage(5603, LogLevel.Error, "Deleting expired clips failed; it runs again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
