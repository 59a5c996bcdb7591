using System.Collections.Concurrent;

namespace EdgeCloud.Storage;

/// <summary>
/// How often the windows of a device write its last-seen time: once per <see cref="Step"/> at most. "Online" and the
/// console need it to seconds, while a device that flushes its outbox after an outage sends a window every few
/// milliseconds, and each write rewrites the device's row. Status messages always write it.
/// </summary>
public sealed class LastSeenWrites
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _written = new(StringComparer.Ordinal);

    /// <summary>Whether a window received at <paramref name="seen"/> should write the device's last-seen time.</summary>
    public bool IsDue(string deviceId, DateTimeOffset seen) => !_written.TryGetValue(deviceId, out DateTimeOffset written) || seen - written >= Step;

    /// <summary>After the transaction that wrote it has committed.</summary>
    public void Written(string deviceId, DateTimeOffset seen) => _written[deviceId] = seen;
}
