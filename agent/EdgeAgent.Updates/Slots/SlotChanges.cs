using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Intents;

namespace EdgeAgent.Updates.Slots;

/// <summary>
/// What a technician's intent does to the slots (pure: document in, document out). <c>edgectl</c> checks an intent
/// with it before writing one, the agent's reconciler applies it; the messages say why an intent cannot be applied.
/// </summary>
public static class SlotChanges
{
    /// <summary>The slot of <paramref name="intent"/>'s name once it is applied.</summary>
    /// <param name="installed">Whether a version of the name is installed.</param>
    /// <exception cref="ModelStoreException">The intent cannot be applied (no previous version, pinned, not installed, not pinned).</exception>
    public static ModelSlot Apply(SlotsDocument doc, TechnicianIntent intent, Func<string, string, bool> installed, string? serving = null) => intent.Kind switch
    {
        IntentKind.Rollback => Rollback(doc, intent, installed),
        IntentKind.Pin => Pin(doc, intent, installed, serving),
        _ => Unpin(doc, intent),
    };

    /// <summary>The slot after going back to <paramref name="version"/>: the version left becomes the previous one, probation and candidate end.</summary>
    public static ModelSlot BackTo(ModelSlot slot, string version, string change) => slot with
    {
        Active = version, Previous = slot.Active, Candidate = null, CandidateMode = null, ProbationUntil = null, ProbationStarts = 0, LastChange = change,
    };

    private static ModelSlot Rollback(SlotsDocument doc, TechnicianIntent intent, Func<string, string, bool> installed)
    {
        string name = intent.Name;
        ModelSlot slot = doc.For(name) ?? throw new ModelStoreException($"{name}: no model slots recorded yet (the agent writes them when it first updates a model); nothing to roll back");
        if (slot.Pinned is not null)
        {
            throw new ModelStoreException($"{name} is pinned to {slot.Pinned}; unpin it first (edgectl models unpin {name})");
        }

        if (slot.Previous is null)
        {
            throw new ModelStoreException($"{name}@{slot.Active} has no previous version to go back to");
        }

        if (!installed(name, slot.Previous))
        {
            throw new ModelStoreException($"{name}@{slot.Previous} (the previous version) is not installed");
        }

        return BackTo(slot, slot.Previous, $"{intent.By}: rolled back from {slot.Active} to {slot.Previous}");
    }

    private static ModelSlot Pin(SlotsDocument doc, TechnicianIntent intent, Func<string, string, bool> installed, string? serving)
    {
        string version = intent.Version ?? throw new ModelStoreException($"pin {intent.Name}: no version given");
        if (!installed(intent.Name, version))
        {
            throw new ModelStoreException($"{intent.Name}@{version} is not installed");
        }

        ModelSlot slot = doc.For(intent.Name) ?? new ModelSlot { Active = serving ?? version };
        return slot with { Pinned = version, Candidate = null, CandidateMode = null, ProbationUntil = null, ProbationStarts = 0, LastChange = $"{intent.By}: pinned to {version}" };
    }

    private static ModelSlot Unpin(SlotsDocument doc, TechnicianIntent intent)
    {
        ModelSlot slot = doc.For(intent.Name) is { Pinned: not null } s ? s : throw new ModelStoreException($"{intent.Name} is not pinned");
        return slot with { Pinned = null, LastChange = $"{intent.By}: unpinned (serving {slot.Active})" };
    }
}
