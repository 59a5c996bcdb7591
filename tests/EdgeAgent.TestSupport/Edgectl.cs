namespace EdgeAgent.TestSupport;

/// <summary>Runs the real edgectl binary, as a technician would.</summary>
public static class Edgectl
{
    private static readonly string s_dll = Path.Combine(AppContext.BaseDirectory, "edgectl.dll");

    public static ExternalTool.Result Run(IDictionary<string, string>? environment, params string[] args) =>
        ExternalTool.Run("dotnet", [s_dll, .. args], environment, TimeSpan.FromMinutes(3));

    public static ExternalTool.Result Run(params string[] args) => Run(null, args);

    /// <summary>A long run (minutes of audio through the pipeline), with its own time limit.</summary>
    public static ExternalTool.Result RunFor(TimeSpan timeout, params string[] args) => ExternalTool.Run("dotnet", [s_dll, .. args], null, timeout);
}
