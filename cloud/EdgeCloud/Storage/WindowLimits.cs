using System.Text;

namespace EdgeCloud.Storage;

/// <summary>
/// What every store can hold in a window, checked before the write so that a window never fails inside a batch:
/// LiteDB's index keys take at most 1023 bytes (the window key is "deviceId/bootId/seq"), neither LiteDB document
/// keys nor PostgreSQL text take a NUL, and PostgreSQL's bigint takes sequence numbers up to <see cref="long.MaxValue"/>.
/// </summary>
public static class WindowLimits
{
    /// <summary>Longest window key in UTF-8 bytes (LiteDB refuses index keys over 1023 bytes; some room for its own framing).</summary>
    public const int MaxKeyBytes = 1000;

    /// <returns>Null when <paramref name="window"/> fits every store, else why it does not.</returns>
    public static string? Check(WindowRecord window)
    {
        if (Encoding.UTF8.GetByteCount(window.DeviceId) + Encoding.UTF8.GetByteCount(window.BootId) + 21 > MaxKeyBytes)
        {
            return $"the window key would be longer than {MaxKeyBytes} bytes";
        }

        if (window.Seq > long.MaxValue)
        {
            return "seq does not fit a signed 64-bit column";
        }

        if (window.Detections is null || window.Profile is null)
        {
            return "detections and profile are required";
        }

        foreach (string key in window.Detections.Keys)
        {
            if (key.Length == 0 || key.Contains('\0', StringComparison.Ordinal) || key.StartsWith('$'))
            {
                return "a detections key is empty, holds a NUL or starts with $";
            }
        }

        return HasNul(window.BootId) || HasNul(window.Verdict) ? "a text field holds a NUL" : null;
    }

    private static bool HasNul(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal);
}
