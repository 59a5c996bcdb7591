using System.Globalization;

namespace EdgeCloud.FleetSim;

/// <summary>Options of <c>edge-fleetsim backfill</c>: the fleet's size and past, and the store to write it into.</summary>
internal sealed record BackfillOptions(int Devices, int Hours, int WindowMinutes, string? DataDir, string? Postgres, string Instance, string Prefix)
{
    public static BackfillOptions Parse(string[] args)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            }

            named[args[i][2..]] = args[i + 1];
        }

        int Number(string name, int fallback, int max)
        {
            if (!named.TryGetValue(name, out string? text))
            {
                return fallback;
            }

            return int.TryParse(text, CultureInfo.InvariantCulture, out int v) && v >= 1 && v <= max
                ? v
                : throw new ArgumentException($"--{name} must be a whole number from 1 to {max}, got '{text}'");
        }

        var options = new BackfillOptions(
            Number("devices", 1000, 1_000_000), Number("hours", 24, 24 * 400), Number("window-minutes", 10, 60),
            named.GetValueOrDefault("data-dir"), named.GetValueOrDefault("postgres"), named.GetValueOrDefault("instance") ?? "backfill",
            named.GetValueOrDefault("prefix") ?? "fleet");
        if ((options.DataDir is null) == (options.Postgres is null))
        {
            throw new ArgumentException("backfill needs exactly one of --data-dir DIR (LiteDB) or --postgres CONNECTION_STRING");
        }

        if (60 % options.WindowMinutes != 0)
        {
            throw new ArgumentException($"--window-minutes must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60), got {options.WindowMinutes}");
        }

        return options;
    }
}
