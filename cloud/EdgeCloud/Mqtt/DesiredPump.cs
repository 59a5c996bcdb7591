using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;

namespace EdgeCloud.Mqtt;

/// <summary>
/// Takes the rollout engine's desired states from the <see cref="DesiredOutbox"/> and publishes them, retained, through
/// whichever broker the cloud uses. A state that cannot go out now is not retried here: the engine sends it again until
/// the device acknowledges it.
/// </summary>
public sealed partial class DesiredPump(DesiredOutbox outbox, ICommandPublisher publisher, IHostApplicationLifetime lifetime, ILogger<DesiredPump> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Drained once the host has started (the broker connected, the API listening): nothing is lost meanwhile.
            await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ContinueWith(_ => { }, TaskScheduler.Default);
            while (true)
            {
                (string deviceId, DesiredState state) = await outbox.TakeAsync(stoppingToken);
                try
                {
                    await publisher.PublishDesiredAsync(deviceId, JsonSerializer.SerializeToUtf8Bytes(state, ContractsJsonContext.Default.DesiredState), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.NotPublished(logger, deviceId, state.Version, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is not out yet is sent again by the engine of whichever instance runs next.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5300, LogLevel.Information, "Desired state {Version} for {DeviceId} not published now ({Problem}); it is sent again until acknowledged")]
        public static partial void NotPublished(ILogger logger, string deviceId, long version, string problem);
    }
}
