using EdgeAgent.Contracts;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Service.Listening;
using EdgeAgent.Updates.Running;

namespace EdgeAgent.Service.Updates;

/// <summary>
/// The reconcile loop of the device: once the live pipeline listens, every second it hands the cloud's newest desired
/// state (<c>state/desired</c>) to the <see cref="ModelReconciler"/> and runs one tick (desired and intents → plan →
/// run → report). The reconciler does the work; this loop only paces it and survives a failing tick.
/// </summary>
internal sealed partial class ModelUpdater(ModelReconciler reconciler, LiveModelRuntime runtime, FleetLink fleet, LiveSpeech live, TimeProvider time, ILogger<ModelUpdater> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await live.Ready.WaitAsync(stoppingToken);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            long failures = 0;
            do
            {
                try
                {
                    while (fleet.Desired.TryRead(out DesiredState? desired))
                    {
                        reconciler.Offer(desired);
                    }

                    await reconciler.ReconcileOnceAsync(stoppingToken);
                    failures = 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The live model keeps serving; the next tick plans again (logged the first times, then sparsely).
                    if (++failures <= 3 || long.IsPow2(failures))
                    {
                        Log.TickFailed(logger, ex, failures);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is on disk is consistent at every step.
        }
        finally
        {
            runtime.StopShadow();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(6110, LogLevel.Error, "Model reconcile tick failed ({Failures} in a row); the live model keeps serving and the next tick plans again")]
        public static partial void TickFailed(ILogger logger, Exception exception, long failures);
    }
}
