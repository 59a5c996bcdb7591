namespace EdgeCloud.FleetSim;

internal sealed record SimOptions(string Mode, Uri Api, string Key, string MqttHost, int MqttPort, int Devices, double Seconds, double? Rate, string? CredsFile, int? CloudPid, string Prefix)
{
    public static SimOptions Parse(string[] args)
    {
        if (args.Length == 0)
        {
            throw new ArgumentException("usage: edge-fleetsim throughput|connect --api URL --key KEY --mqtt HOST:PORT --devices N [--seconds T] [--rate R] [--creds FILE] [--cloud-pid PID]");
        }

        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            }

            named[args[i][2..]] = args[i + 1];
        }

        string Get(string name) => named.TryGetValue(name, out string? v) ? v : throw new ArgumentException($"--{name} is required");
        string[] mqtt = Get("mqtt").Split(':');
        return new SimOptions(
            args[0],
            new Uri(Get("api")),
            Get("key"),
            mqtt[0],
            int.Parse(mqtt[1], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Get("devices"), System.Globalization.CultureInfo.InvariantCulture),
            named.TryGetValue("seconds", out string? s) ? double.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 20,
            named.TryGetValue("rate", out string? r) ? double.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : null,
            named.GetValueOrDefault("creds"),
            named.TryGetValue("cloud-pid", out string? p) ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : null,
            named.GetValueOrDefault("prefix") ?? $"sim{Environment.ProcessId}");
    }
}
