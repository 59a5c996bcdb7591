using System.Globalization;

namespace EdgeAgent.Benchmarks;

/// <summary>This process's resident memory from /proc/self/status: total, anonymous (heaps) and file-backed (mapped code).</summary>
internal readonly record struct Rss(double TotalMiB, double AnonMiB, double FileMiB)
{
    public static Rss Now()
    {
        double total = double.NaN, anon = double.NaN, file = double.NaN;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                total = Kib(line);
            }
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anon = Kib(line);
            }
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
            {
                file = Kib(line);
            }
        }

        return new Rss(total, anon, file);
    }

    public override string ToString() => $"{TotalMiB:F0} MiB (anon {AnonMiB:F0}, file {FileMiB:F0})";

    private static double Kib(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}
