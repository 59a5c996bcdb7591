namespace EdgeAgent.Updates.Planning;

/// <summary>An immutable list of commands, in the order they run.</summary>
public sealed record Plan(IReadOnlyList<ModelCommand> Commands)
{
    public static Plan Empty { get; } = new([]);

    public bool IsEmpty => Commands.Count == 0;

    public override string ToString() => IsEmpty ? "(nothing to do)" : string.Join("; ", Commands);
}
