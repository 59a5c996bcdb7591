namespace EdgeAgent.Updates.Running;

public enum CommandStatus
{
    Done,

    /// <summary>Refused for good (a bad signature, a pinned name, an intent that cannot apply).</summary>
    Rejected,

    /// <summary>Failed; what it changed was undone where it could be.</summary>
    Failed,

    /// <summary>Not run: an earlier command for the same name failed.</summary>
    Skipped,
}
