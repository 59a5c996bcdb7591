// edge-fleetsim: simulated devices publishing realistic windows to a cloud, measuring ingest throughput and
// publish-to-API latency, or holding many devices connected at once.
//
//   edge-fleetsim register   --api URL --key KEY --mqtt HOST:PORT --devices N --creds FILE
//   edge-fleetsim throughput --api URL --key KEY --mqtt HOST:PORT --devices N --seconds T [--rate WINDOWS_PER_S] [--creds FILE]
//   edge-fleetsim connect    --api URL --key KEY --mqtt HOST:PORT --devices N [--creds FILE] [--cloud-pid PID]
//
//   edge-fleetsim backfill   --devices N --hours H --window-minutes M (--data-dir DIR | --postgres CONNECTION) [--instance NAME]
//
// Devices are registered through the API (POST /api/devices) unless --creds names an existing file of
// "deviceId:password" lines; `register` writes that file (for an external broker: mosquitto_passwd -U, then reload).
using System.Diagnostics;
using System.Globalization;
using EdgeCloud.FleetSim;

if (args.Length > 0 && args[0] == "backfill")
{
    await Backfill.RunAsync(BackfillOptions.Parse(args));
    return;
}

var options = SimOptions.Parse(args);
using var fleet = new SimulatedFleet(options);
await fleet.RegisterAsync();
switch (options.Mode)
{
    case "register":
        System.Console.WriteLine($"register: {options.Devices} devices written to {options.CredsFile}");
        break;
    case "throughput":
        await fleet.ConnectAsync();
        ThroughputResult t = await fleet.RunThroughputAsync();
        System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput: {t.Published} windows from {options.Devices} devices in {t.PublishSeconds:F1} s; ingested {t.Ingested} in {t.IngestSeconds:F1} s = {t.IngestedPerSecond:F0} windows/s; publish-to-API latency p50 {t.LatencyP50Ms:F1} ms, p99 {t.LatencyP99Ms:F1} ms (n={t.LatencySamples}); PUBACK p99 {t.PubackP99Ms:F1} ms"));
        break;
    case "connect":
        var clock = Stopwatch.StartNew();
        int connected = await fleet.ConnectAsync();
        double seconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(5));
        int still = fleet.ConnectedCount;
        string rss = options.CloudPid is { } pid ? $"; cloud RSS {SimulatedFleet.RssMiB(pid):F0} MiB" : "";
        System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"connect: {connected} of {options.Devices} devices connected in {seconds:F1} s; {still} still connected 5 s later{rss}"));
        break;
    default:
        throw new ArgumentException($"unknown mode '{options.Mode}' (throughput | connect)");
}
