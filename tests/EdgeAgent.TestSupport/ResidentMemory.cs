using System.Globalization;

namespace EdgeAgent.TestSupport;

/// <summary>A process's resident set size (VmRSS), read from /proc (Linux only).</summary>
public static class ResidentMemory
{
    /// <summary>In bytes; <paramref name="pid"/> null for this process.</summary>
    public static long Bytes(int? pid = null)
    {
        string line = File.ReadLines($"/proc/{(pid is { } p ? p.ToString(CultureInfo.InvariantCulture) : "self")}/status")
            .First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
