using EdgeAgent.Core.Models;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Updates.Running;

namespace EdgeAgent.Service.Updates;

/// <summary>
/// Runs before the models load at start: the reconciler's first tick applies the technicians' pending intents (so a
/// rollback on a stopped device takes effect now), the crash-loop guard (<see cref="UpdaterOptions.MaxProbationStarts"/>)
/// and the fallback from a missing or damaged serving version; the models then load from the resulting slots.
/// </summary>
internal sealed partial class StartupSlots(ModelReconciler reconciler, FleetLink fleet, ILogger<StartupSlots> logger)
{
    /// <summary>Name → the version to serve (empty when the slots are unreadable: the newest installed models run).</summary>
    public IReadOnlyDictionary<string, string> Check(ModelStore store)
    {
        try
        {
            // Before the runtime starts a tick only touches files: it completes synchronously.
            return reconciler.PrepareStartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (ModelStoreException ex)
        {
            Log.Unreadable(logger, store.Root, ex.Message);
            fleet.PublishFault("model-slots-unreadable", ex.Message);
            return new Dictionary<string, string>();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Error, "Model slots of {Store} unreadable, running the newest installed models: {Problem}")]
        public static partial void Unreadable(ILogger logger, string store, string problem);
    }
}
