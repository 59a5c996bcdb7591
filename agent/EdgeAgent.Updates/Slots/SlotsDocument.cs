namespace EdgeAgent.Updates.Slots;

/// <summary>The content of <c>slots.json</c>.</summary>
public sealed record SlotsDocument
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The last desired-state version the agent applied (it ignores versions up to this one).</summary>
    public long AppliedVersion { get; init; }

    public Dictionary<string, ModelSlot> Models { get; init; } = [];

    /// <summary>The last technician intent (<c>intents/&lt;seq&gt;.json</c>) applied: an intent is applied once, in the same atomic write as its change.</summary>
    public long LastIntentSeq { get; init; }

    /// <summary>Per model name, the last desired step applied (<c>rolloutId/mode</c>): a desired state repeating it is not applied again.</summary>
    public Dictionary<string, string> Applied { get; init; } = [];

    public ModelSlot? For(string name) => Models.GetValueOrDefault(name);

    /// <summary>A copy with <paramref name="name"/>'s slot replaced (removed when null).</summary>
    public SlotsDocument With(string name, ModelSlot? slot)
    {
        var models = new Dictionary<string, ModelSlot>(Models, StringComparer.Ordinal);
        if (slot is null)
        {
            models.Remove(name);
        }
        else
        {
            models[name] = slot;
        }

        return this with { Models = models };
    }
}
