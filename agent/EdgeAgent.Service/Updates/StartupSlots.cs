using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Service.Fleet;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Updates;

/// <summary>
/// Runs before the models load at start: a model that was on probation when the agent died is given
/// <see cref="UpdaterOptions.MaxProbationStarts"/> starts, then the agent goes back to the previous version (a crash
/// loop); a serving version that is missing or damaged falls back to the previous one. Both are reported.
/// </summary>
internal sealed partial class StartupSlots(IOptions<UpdaterOptions> options, FleetLink fleet, TimeProvider time, ILogger<StartupSlots> logger)
{
    private bool _startCounted; // a start is counted once, however often loading the models is retried

    public SlotsDocument Check(ModelStore store)
    {
        try
        {
            if (ModelSlots.Read(store.Root).Models.Count == 0)
            {
                return new SlotsDocument();
            }

            var rolledBack = new List<(string Name, ModelSlot Before, string Reason)>();
            SlotsDocument doc = ModelSlots.Update(store.Root, d =>
            {
                foreach ((string name, ModelSlot slot) in d.Models)
                {
                    string? reason = null;
                    if (slot.ProbationUntil is not null && !_startCounted)
                    {
                        int starts = slot.ProbationStarts + 1;
                        d = d.With(name, slot with { ProbationStarts = starts });
                        if (starts >= options.Value.MaxProbationStarts)
                        {
                            reason = $"the agent restarted {starts} times while {name}@{slot.Active} was on probation";
                        }
                    }

                    if (reason is null && slot.Pinned is null && slot.Previous is not null && Unusable(store, name, slot.Active) is { } problem)
                    {
                        reason = $"{name}@{slot.Active} cannot be used: {problem}";
                    }

                    if (reason is not null && slot.Previous is not null && Unusable(store, name, slot.Previous) is null)
                    {
                        d = d.With(name, SlotChanges.BackTo(slot, slot.Previous, "agent: " + reason));
                        rolledBack.Add((name, slot, reason));
                    }
                }

                return d;
            });
            _startCounted = true;

            foreach ((string name, ModelSlot before, string reason) in rolledBack)
            {
                Log.RolledBack(logger, name, before.Active, before.Previous!, reason);
                if (before.RolloutId is not null)
                {
                    fleet.PublishProgress(new RolloutProgress
                    {
                        RolloutId = before.RolloutId, Name = name, Version = before.Active, Phase = RolloutProgress.RolledBackPhase, Reason = reason, At = time.GetUtcNow(),
                    });
                }
            }

            return doc;
        }
        catch (ModelStoreException ex)
        {
            Log.Unreadable(logger, ex.Message);
            fleet.PublishFault("model-slots-unreadable", ex.Message);
            return new SlotsDocument();
        }
    }

    private static string? Unusable(ModelStore store, string name, string version)
    {
        try
        {
            ModelStore.Verify(store.Find(name, version));
            return null;
        }
        catch (ModelStoreException ex)
        {
            return ex.Message;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(6000, LogLevel.Warning, "Rolled {Name} back from {From} to {To} at start: {Reason}")]
        public static partial void RolledBack(ILogger logger, string name, string from, string to, string reason);

        [LoggerMessage(6001, LogLevel.Error, "Model slots unreadable, running the newest installed models: {Problem}")]
        public static partial void Unreadable(ILogger logger, string problem);
    }
}
