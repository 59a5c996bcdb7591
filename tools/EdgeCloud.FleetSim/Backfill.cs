using System.Diagnostics;
using System.Globalization;
using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Fleet;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCloud.FleetSim;

/// <summary>
/// <c>edge-fleetsim backfill</c>: registers N devices straight in the store and writes H past hours of their windows
/// (one every M minutes each) through the store's bulk path (the batch insert the ingest's group commit uses), rolling
/// up alongside as the cloud's roll-up does, then times the cohort query and a fleet-watch evaluation in-process.
/// Cohorts by microphone: mic-a, mic-b and mic-d stay put; mic-c's room gets 1.5 dB noisier every hour (it drifts).
/// </summary>
internal static class Backfill
{
    private const int Batch = 512;
    private static readonly string[] s_mics = ["mic-a", "mic-b", "mic-c", "mic-d"];

    public static async Task RunAsync(BackfillOptions o)
    {
        using ICloudStore store = o.Postgres is { } cs ? await PostgresCloudStore.OpenAsync(cs) : new LiteDbCloudStore(o.DataDir!);
        var clock = Stopwatch.StartNew();
        await RegisterAsync(store, o);
        System.Console.WriteLine(Line($"backfill: {o.Devices} devices registered in {clock.Elapsed.TotalSeconds:F1} s"));

        clock.Restart();
        int slotsPerHour = 60 / o.WindowMinutes;
        SignalProfile[][] stable = Enumerable.Range(0, 4).Select(c => Pool(c * 100, 4, _ => -62)).ToArray();
        SignalProfile[][] drifting = Enumerable.Range(0, o.Hours).Select(h => Pool(1000 + h * 10, 2, _ => -62 + 1.5 * h)).ToArray();
        byte[][][] stableWindows = stable.Select(p => Enumerable.Range(0, 4).Select(v => WindowProfiles.Window(p, o.WindowMinutes, v)).ToArray()).ToArray();
        byte[][][] driftWindows = drifting.Select(p => Enumerable.Range(0, 2).Select(v => WindowProfiles.Window(p, o.WindowMinutes, v)).ToArray()).ToArray();
        var reference = new SignalProfile();
        foreach (SignalProfile minute in stable.SelectMany(p => p))
        {
            reference.MergeFrom(minute);
        }

        await store.SetReferenceAsync(ProfileCodec.Encode(reference), "fleetsim backfill reference (quiet rooms)");
        System.Console.WriteLine(Line($"backfill: window profiles made in {clock.Elapsed.TotalSeconds:F1} s"));

        DateTimeOffset start = RollupBuckets.Hour(DateTimeOffset.UtcNow).AddHours(-o.Hours);
        long total = (long)o.Devices * o.Hours * slotsPerHour, written = 0;
        using var done = new CancellationTokenSource();
        clock.Restart();
        Task<long> rolling = RollAlongAsync(store, o.Instance, done.Token);
        int writers = o.Postgres is null ? 1 : 4;
        var inFlight = new List<Task>();
        string boot = "backfill-" + start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var batch = new List<WindowRecord>(Batch);
        for (int slot = 0; slot < o.Hours * slotsPerHour; slot++)
        {
            int hour = slot / slotsPerHour;
            for (int i = 0; i < o.Devices; i++)
            {
                DateTimeOffset end = start.AddMinutes((slot + 1) * o.WindowMinutes).AddSeconds(-(i % 60));
                int mic = i % 4;
                byte[] profile = mic == 2 ? driftWindows[hour][(i + slot) % 2] : stableWindows[mic][(i + slot) % 4];
                batch.Add(new WindowRecord
                {
                    DeviceId = DeviceId(o, i), BootId = boot, Seq = (ulong)slot + 1, WindowStart = end.AddMinutes(-o.WindowMinutes), WindowEnd = end, ReceivedAt = end,
                    Verdict = mic == 2 && hour > o.Hours / 2 ? "drift" : "ok", DurationSeconds = o.WindowMinutes * 60, SpeechSeconds = o.WindowMinutes * 40,
                    Detections = new() { ["hey_jarvis"] = 1 }, Profile = profile,
                });
                if (batch.Count == Batch)
                {
                    inFlight.Add(store.AddWindowsAsync(batch));
                    batch = new List<WindowRecord>(Batch);
                    written += Batch;
                    if (inFlight.Count >= writers)
                    {
                        await inFlight[0];
                        inFlight.RemoveAt(0);
                    }
                }
            }

            if (slot % slotsPerHour == slotsPerHour - 1)
            {
                System.Console.WriteLine(Line($"backfill: hour {hour + 1}/{o.Hours}: {written} windows in {clock.Elapsed.TotalSeconds:F0} s"));
            }
        }

        inFlight.Add(store.AddWindowsAsync(batch));
        await Task.WhenAll(inFlight);
        double writeSeconds = clock.Elapsed.TotalSeconds;
        await done.CancelAsync();
        long rolled = await rolling;
        int taken;
        while ((taken = await store.RollUpAsync(o.Instance, 5000)) > 0)
        {
            rolled += taken;
        }

        double allSeconds = clock.Elapsed.TotalSeconds;
        System.Console.WriteLine(Line($"RESULT backfill: {total} windows ({o.Devices} devices x {o.Hours} h, {o.WindowMinutes}-minute windows) stored in {writeSeconds:F1} s = {total / writeSeconds:F0} windows/s; rolled up {rolled} by {allSeconds:F1} s = {total / allSeconds:F0} windows/s stored and rolled up"));

        var drift = new CohortDrift(store, TimeProvider.System, o.Instance);
        SignalProfile decodedReference = ProfileCodec.Decode(ProfileCodec.Encode(reference));
        var query = new List<double>();
        IReadOnlyList<CohortVerdict> verdicts = [];
        for (int i = 0; i < 21; i++)
        {
            long t = Stopwatch.GetTimestamp();
            verdicts = await drift.EvaluateAsync("micModel", 24, decodedReference, CancellationToken.None);
            query.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        foreach (CohortVerdict v in verdicts)
        {
            System.Console.WriteLine(Line($"backfill: micModel={v.Group}: {v.Devices} devices, {v.Windows} windows, {v.Verdict} ({string.Join(", ", v.Alarms.Select(a => a.Family).Distinct())})"));
        }

        var watch = new FleetWatch(store, drift, Options.Create(new CloudOptions()), TimeProvider.System, NullLogger<FleetWatch>.Instance);
        var evaluations = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            long t = Stopwatch.GetTimestamp();
            await watch.EvaluateAsync(CancellationToken.None);
            evaluations.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        System.Console.WriteLine(Line($"RESULT in-process: cohort drift micModel over 24 h p50 {Percentile(query, 50):F0} ms, max {query.Max():F0} ms (n={query.Count}); fleet-watch evaluation of every label (last hour) median {Percentile(evaluations, 50):F0} ms, max {evaluations.Max():F0} ms; backfill RSS {SimulatedFleet.RssMiB(Environment.ProcessId):F0} MiB"));
    }

    private static string DeviceId(BackfillOptions o, int i) => $"{o.Prefix}-{i:D6}";

    private static async Task RegisterAsync(ICloudStore store, BackfillOptions o) =>
        await Parallel.ForAsync(0, o.Devices, new ParallelOptions { MaxDegreeOfParallelism = o.Postgres is null ? 1 : 8 }, async (i, ct) =>
        {
            string id = DeviceId(o, i);
            await store.AddDeviceAsync(new DeviceRecord
            {
                DeviceId = id, PasswordHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id))), CreatedAt = DateTimeOffset.UtcNow,
                Labels = new DeviceLabels { DeviceModel = i % 2 == 0 ? "k1" : "k2", MicModel = s_mics[i % 4], Firmware = i % 3 == 0 ? "1.1" : "1.0", Site = $"site-{i % 10}" },
            }, ct);
            await store.UpdateModelsAsync(id, [new ModelRef { Name = "silero_vad", Version = i % 5 == 0 ? "v6" : "v5", Slot = "active" }], ct);
        });

    private static SignalProfile[] Pool(int seed, int count, Func<int, double> noiseDb)
    {
        var pool = new SignalProfile[count];
        Parallel.For(0, count, v => pool[v] = WindowProfiles.Minute(seed + v, noiseDb(v)));
        return pool;
    }

    /// <summary>Rolls up while the backfill writes, as the cloud's background roll-up would; returns the windows it took.</summary>
    private static async Task<long> RollAlongAsync(ICloudStore store, string instance, CancellationToken stop)
    {
        long rolled = 0;
        while (!stop.IsCancellationRequested)
        {
            int taken = await store.RollUpAsync(instance, 5000, CancellationToken.None);
            rolled += taken;
            if (taken == 0)
            {
                try
                {
                    await Task.Delay(200, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        return rolled;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
    }

    private static string Line(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
