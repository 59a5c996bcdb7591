namespace EdgeAgent.Updates.Intents;

/// <summary>
/// One technician's request, <c>&lt;store&gt;/intents/&lt;seq&gt;.json</c>, written by <c>edgectl</c> and applied by the
/// agent's reconciler (at its next tick, or at start before the models load when no agent was running), once.
/// </summary>
public sealed record TechnicianIntent
{
    public long Seq { get; init; }

    public required IntentKind Kind { get; init; }

    public required string Name { get; init; }

    /// <summary>For <see cref="IntentKind.Pin"/>: the version to serve.</summary>
    public string? Version { get; init; }

    /// <summary>Who asked (e.g. <c>edgectl models rollback</c>), in the slots' last change and the report.</summary>
    public required string By { get; init; }

    public DateTimeOffset At { get; init; }

    public override string ToString() => Kind switch
    {
        IntentKind.Pin => $"#{Seq} pin {Name}@{Version}",
        IntentKind.Unpin => $"#{Seq} unpin {Name}",
        _ => $"#{Seq} rollback {Name}",
    };
}
