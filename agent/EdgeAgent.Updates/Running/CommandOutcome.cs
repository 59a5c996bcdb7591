using EdgeAgent.Updates.Planning;

namespace EdgeAgent.Updates.Running;

/// <summary>What running one command did (the reports are derived from it).</summary>
public sealed record CommandOutcome(ModelCommand Command, CommandStatus Status, string? Detail = null)
{
    public bool Ok => Status == CommandStatus.Done;

    public override string ToString() => $"{Command.Kind} {Command.Name}: {Status}{(Detail is null ? "" : " (" + Detail + ")")}";
}
