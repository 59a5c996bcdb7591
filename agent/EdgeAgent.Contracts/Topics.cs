using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace EdgeAgent.Contracts;

/// <summary>
/// The MQTT topic tree, rooted at <c>edge/v1/{deviceId}/</c>: <c>status</c> (retained birth and will),
/// <c>telemetry/summary</c>, <c>events</c>, <c>cmd/{name}</c> and <c>cmd/{name}/ack</c>, <c>state/desired</c> (retained)
/// and <c>state/reported</c> (retained), <c>state/progress</c>.
/// </summary>
public static partial class Topics
{
    public const string Root = "edge/v1";
    public const string Status = "status";
    public const string Summary = "telemetry/summary";
    public const string Events = "events";
    public const string StateDesired = "state/desired";
    public const string StateReported = "state/reported";
    public const string StateProgress = "state/progress";

    public static string For(string deviceId, string leaf) => $"{Root}/{deviceId}/{leaf}";

    public static string Command(string deviceId, string name) => $"{Root}/{deviceId}/cmd/{name}";

    public static string CommandAck(string deviceId, string name) => $"{Root}/{deviceId}/cmd/{name}/ack";

    /// <summary>Letters, digits, '.', '_' and '-', 1–64 characters, starting with a letter or digit (no MQTT wildcards or separators).</summary>
    public static bool IsValidDeviceId([NotNullWhen(true)] string? deviceId) => deviceId is not null && DeviceIdPattern().IsMatch(deviceId);

    /// <summary>Command names: lower-case letters, digits and '-', 1–32 characters.</summary>
    public static bool IsValidCommandName([NotNullWhen(true)] string? name) => name is not null && CommandPattern().IsMatch(name);

    /// <summary>Splits <c>edge/v1/{deviceId}/{leaf}</c>; false for any other topic.</summary>
    public static bool TryParse(string topic, [NotNullWhen(true)] out string? deviceId, [NotNullWhen(true)] out string? leaf)
    {
        deviceId = leaf = null;
        if (!topic.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return false;
        }

        string rest = topic[(Root.Length + 1)..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1 || !IsValidDeviceId(rest[..slash]))
        {
            return false;
        }

        deviceId = rest[..slash];
        leaf = rest[(slash + 1)..];
        return true;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex DeviceIdPattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,31}\z")]
    private static partial Regex CommandPattern();
}
