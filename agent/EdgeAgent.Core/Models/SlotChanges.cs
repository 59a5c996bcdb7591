namespace EdgeAgent.Core.Models;

/// <summary>
/// The technician's changes to the model slots (<c>edgectl models rollback|pin|unpin</c>), made on the device without
/// the cloud: the running agent notices the new pointers, switches, and reports the change when it is connected.
/// </summary>
public static class SlotChanges
{
    /// <summary>Goes back to the previous version of <paramref name="name"/>; the version left becomes the previous one.</summary>
    /// <exception cref="ModelStoreException">No previous version, it is not installed, or the name is pinned.</exception>
    public static ModelSlot Rollback(ModelStore store, string name, string by)
    {
        ModelSlot? result = null;
        ModelSlots.Update(store.Root, doc =>
        {
            ModelSlot slot = doc.For(name) ?? throw new ModelStoreException($"{name}: no model slots recorded yet (the agent writes them when it first loads its models); nothing to roll back");
            if (slot.Pinned is not null)
            {
                throw new ModelStoreException($"{name} is pinned to {slot.Pinned}; unpin it first (edgectl models unpin {name})");
            }

            if (slot.Previous is null)
            {
                throw new ModelStoreException($"{name}@{slot.Active} has no previous version to go back to");
            }

            store.Find(name, slot.Previous); // must still be installed
            result = BackTo(slot, slot.Previous, $"{by}: rolled back from {slot.Active} to {slot.Previous}");
            return doc.With(name, result);
        });
        return result!;
    }

    /// <summary>The slot after going back to <paramref name="version"/>: the version left becomes the previous one, probation and candidate end.</summary>
    public static ModelSlot BackTo(ModelSlot slot, string version, string change) => slot with
    {
        Active = version, Previous = slot.Active, Candidate = null, CandidateMode = null, ProbationUntil = null, ProbationStarts = 0, LastChange = change,
    };

    /// <summary>Pins <paramref name="name"/> to <paramref name="version"/>: it runs that version and rollouts leave it alone.</summary>
    public static ModelSlot Pin(ModelStore store, string name, string version, string by)
    {
        InstalledModel model = store.Find(name, version);
        ModelSlot? result = null;
        ModelSlots.Update(store.Root, doc =>
        {
            ModelSlot slot = doc.For(name) ?? new ModelSlot { Active = version };
            result = slot with { Pinned = model.Version, Candidate = null, CandidateMode = null, ProbationUntil = null, LastChange = $"{by}: pinned to {model.Version}" };
            return doc.With(name, result);
        });
        return result!;
    }

    /// <summary>Removes a pin: the active pointer serves again.</summary>
    public static ModelSlot Unpin(ModelStore store, string name, string by)
    {
        ModelSlot? result = null;
        ModelSlots.Update(store.Root, doc =>
        {
            ModelSlot slot = doc.For(name) is { Pinned: not null } s ? s : throw new ModelStoreException($"{name} is not pinned");
            result = slot with { Pinned = null, LastChange = $"{by}: unpinned (serving {slot.Active})" };
            return doc.With(name, result);
        });
        return result!;
    }
}
