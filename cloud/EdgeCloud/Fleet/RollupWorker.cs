using System.Diagnostics;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Fleet;

/// <summary>
/// Keeps the rollups up with ingest: every <see cref="RollupOptions.EverySeconds"/> it rolls up whatever windows are
/// queued, in batches, into this instance's rows; every <see cref="RetentionOptions.PruneEverySeconds"/> it prunes old
/// windows and rollups, one small batch at a time with a pause between, so ingest never waits behind it.
/// </summary>
public sealed partial class RollupWorker(ICloudStore store, IOptions<CloudOptions> options, TimeProvider time, ILogger<RollupWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        RollupOptions rollups = options.Value.Rollups;
        RetentionOptions retention = options.Value.Retention;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(rollups.EverySeconds), time);
        DateTimeOffset nextPrune = time.GetUtcNow();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                long started = Stopwatch.GetTimestamp();
                int rolled = 0, taken;
                while ((taken = await store.RollUpAsync(rollups.Instance, rollups.BatchWindows, stoppingToken)) > 0)
                {
                    rolled += taken;
                    if (taken < rollups.BatchWindows)
                    {
                        break;
                    }
                }

                if (rolled > 0)
                {
                    Log.RolledUp(logger, rolled, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }

                if (time.GetUtcNow() >= nextPrune)
                {
                    nextPrune = time.GetUtcNow().AddSeconds(retention.PruneEverySeconds);
                    await PruneAsync(retention, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Failed(logger, ex);
            }
        }
    }

    private async Task PruneAsync(RetentionOptions retention, CancellationToken cancellationToken)
    {
        RetentionCutoffs cutoffs = retention.CutoffsAt(time.GetUtcNow());
        long total = 0;
        int removed;
        while ((removed = await store.PruneAsync(cutoffs, retention.PruneBatch, cancellationToken)) > 0)
        {
            total += removed;
            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken); // let ingest in between batches
        }

        if (total > 0)
        {
            Log.Pruned(logger, total);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5500, LogLevel.Debug, "Rolled up {Windows} windows in {Milliseconds:F0} ms")]
        public static partial void RolledUp(ILogger logger, int windows, double milliseconds);

        [LoggerMessage(5501, LogLevel.Information, "Pruned {Rows} old windows, rollup rows and partitions")]
        public static partial void Pruned(ILogger logger, long rows);

        [LoggerMessage(5502, LogLevel.Error, "Rolling up or pruning failed; it runs again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
