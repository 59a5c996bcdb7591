using System.Globalization;

namespace EdgeAgent.Benchmarks;

/// <summary>This process's resident memory from /proc/self/status: total, peak so far (VmHWM), anonymous (heaps) and file-backed (mapped code).</summary>
internal readonly record struct Rss(double TotalMiB, double AnonMiB, double FileMiB, double ManagedMiB, double PeakMiB)
{
    public static Rss Now()
    {
        double total = double.NaN, anon = double.NaN, file = double.NaN, peak = double.NaN;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                total = Kib(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kib(line);
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

        return new Rss(total, anon, file, GC.GetGCMemoryInfo().TotalCommittedBytes / (1024.0 * 1024.0), peak);
    }

    public override string ToString() => $"{TotalMiB:F0} MiB (peak so far {PeakMiB:F0}; anon {AnonMiB:F0}, file {FileMiB:F0}; managed heap committed {ManagedMiB:F0}, live {GC.GetTotalMemory(false) / (1024.0 * 1024.0):F1}) {Gens()}";

    private static string Gens()
    {
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        return string.Join(" ", Enumerable.Range(0, info.GenerationInfo.Length).Select(i => $"g{i}:{info.GenerationInfo[i].SizeAfterBytes / 1024}k/{info.GenerationInfo[i].FragmentationAfterBytes / 1024}k")) + $" kind {info.Generation} compacted {info.Compacted}";
    }

    private static double Kib(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}
