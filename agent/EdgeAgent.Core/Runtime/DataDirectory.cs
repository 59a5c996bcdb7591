namespace EdgeAgent.Core.Runtime;

/// <summary>Where the agent keeps its state (outbox, drift store, clip queue), for the agent and edgectl alike.</summary>
public static class DataDirectory
{
    /// <summary>The agent's own configuration key as an environment variable (the systemd unit sets it).</summary>
    public const string EnvironmentVariable = "EdgeAgent__DataDir";

    /// <summary><c>$EdgeAgent__DataDir</c> when set, else <c>~/.edgeagent/data</c>.</summary>
    public static string Default()
    {
        string? fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return !string.IsNullOrWhiteSpace(fromEnv)
            ? fromEnv
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".edgeagent", "data");
    }
}
