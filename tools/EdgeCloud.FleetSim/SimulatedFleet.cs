using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Drift.Features;
using EdgeAgent.Drift.Profiles;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCloud.FleetSim;

/// <summary>N devices, each an MQTT client publishing one-minute windows with a realistic profile (~1.5 KB encoded).</summary>
internal sealed class SimulatedFleet : IDisposable
{
    private readonly SimOptions _options;
    private readonly HttpClient _api;
    private readonly string _profile = Convert.ToBase64String(ProfileCodec.Encode(RealisticWindow()));
    private readonly List<(string Id, string Password)> _devices = [];
    private readonly ConcurrentBag<IMqttClient> _clients = [];
    private readonly ConcurrentDictionary<string, (byte[] Head, byte[] Tail)> _templates = new(StringComparer.Ordinal);

    public SimulatedFleet(SimOptions options)
    {
        _options = options;
        _api = new HttpClient { BaseAddress = options.Api, Timeout = TimeSpan.FromSeconds(60) };
        _api.DefaultRequestHeaders.Add("X-Api-Key", options.Key);
    }

    public int ConnectedCount => _clients.Count(c => c.IsConnected);

    public async Task RegisterAsync()
    {
        if (_options.CredsFile is { } file && File.Exists(file) && _options.Mode != "register")
        {
            _devices.AddRange(File.ReadLines(file).Select(l => l.Split(':', 2)).Select(p => (p[0], p[1])).Take(_options.Devices + 1)); // the devices and the probe
            return;
        }

        var registered = new ConcurrentDictionary<int, (string, string)>();
        await Parallel.ForAsync(0, _options.Devices + 1, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            string id = i == _options.Devices ? $"{_options.Prefix}-probe" : $"{_options.Prefix}-{i:D5}";
            HttpResponseMessage response = await _api.PostAsJsonAsync("/api/devices", new { deviceId = id, labels = new { deviceModel = "sim", micModel = i % 4 == 0 ? "mic-b" : "mic-a", firmware = "1.0", site = $"site-{i % 10}" } }, ct);
            response.EnsureSuccessStatusCode();
            JsonElement body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            registered[i] = (id, body.GetProperty("mqttPassword").GetString()!);
        });
        _devices.AddRange(registered.OrderBy(r => r.Key).Select(r => r.Value));
        if (_options.CredsFile is { } path)
        {
            File.WriteAllLines(path, _devices.Select(d => $"{d.Id}:{d.Password}"));
        }
    }

    /// <summary>Connects every device (the probe device last); returns how many connected.</summary>
    public async Task<int> ConnectAsync()
    {
        int ok = 0;
        await Parallel.ForEachAsync(_devices, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (d, ct) =>
        {
            IMqttClient client = new MqttClientFactory().CreateMqttClient();
            MqttClientOptions options = new MqttClientOptionsBuilder()
                .WithTcpServer(_options.MqttHost, _options.MqttPort)
                .WithClientId(d.Id)
                .WithCredentials(d.Id, d.Password)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(120))
                .WithTimeout(TimeSpan.FromSeconds(60))
                .Build();
            try
            {
                await client.ConnectAsync(options, ct);
                _clients.Add(client);
                Interlocked.Increment(ref ok);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                System.Console.Error.WriteLine($"{d.Id}: {ex.Message}");
                client.Dispose();
            }
        });
        return ok;
    }

    public async Task<ThroughputResult> RunThroughputAsync()
    {
        IMqttClient[] clients = _clients.ToArray();
        IMqttClient probe = clients.Single(c => c.Options.ClientId.EndsWith("-probe", StringComparison.Ordinal));
        IMqttClient[] load = clients.Where(c => c != probe).ToArray();
        long before = await AcceptedAsync();
        var puback = new ConcurrentBag<double>();
        long published = 0;
        var clock = Stopwatch.StartNew();
        TimeSpan duration = TimeSpan.FromSeconds(_options.Seconds);
        double perDevice = _options.Rate is { } rate ? rate / load.Length : double.PositiveInfinity;

        using var stop = new CancellationTokenSource();
        Task<List<double>> latency = ProbeLatencyAsync(probe, stop.Token);
        await Task.WhenAll(load.Select(async (client, index) =>
        {
            ulong seq = 0;
            string boot = Guid.NewGuid().ToString("n");
            var next = TimeSpan.FromSeconds(index * (double.IsInfinity(perDevice) ? 0 : 1 / _options.Rate!.Value));
            while (clock.Elapsed < duration)
            {
                if (!double.IsInfinity(perDevice))
                {
                    TimeSpan wait = next - clock.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }

                    next += TimeSpan.FromSeconds(1 / perDevice);
                }

                long t = Stopwatch.GetTimestamp();
                MqttClientPublishResult result = await client.PublishAsync(Window(client.Options.ClientId, boot, ++seq));
                if (result.IsSuccess)
                {
                    puback.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    Interlocked.Increment(ref published);
                }
            }
        }));
        double publishSeconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        List<double> latencies = await latency;

        // Ingested: wait until the cloud has taken everything that was acknowledged (an external broker acks first).
        long target = published + latencies.Count;
        long accepted = await AcceptedAsync() - before;
        var drain = Stopwatch.StartNew();
        while (accepted < target && drain.Elapsed < TimeSpan.FromSeconds(120))
        {
            await Task.Delay(100);
            accepted = await AcceptedAsync() - before;
        }

        double ingestSeconds = publishSeconds + (drain.Elapsed.TotalSeconds > 0.15 ? drain.Elapsed.TotalSeconds : 0);
        return new ThroughputResult(published, accepted, publishSeconds, ingestSeconds, accepted / ingestSeconds,
            Percentile(latencies, 50), Percentile(latencies, 99), latencies.Count, Percentile([.. puback], 99));
    }

    public static double RssMiB(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    public void Dispose()
    {
        foreach (IMqttClient client in _clients)
        {
            client.Dispose();
        }

        _api.Dispose();
    }

    /// <summary>The probe device publishes a window every 100 ms and polls the API until it is visible.</summary>
    private async Task<List<double>> ProbeLatencyAsync(IMqttClient probe, CancellationToken cancellationToken)
    {
        var samples = new List<double>();
        string boot = Guid.NewGuid().ToString("n");
        ulong seq = 0;
        string path = $"/api/devices/{probe.Options.ClientId}/windows?limit=1";
        while (!cancellationToken.IsCancellationRequested)
        {
            long t = Stopwatch.GetTimestamp();
            await probe.PublishAsync(Window(probe.Options.ClientId, boot, ++seq), CancellationToken.None);
            while (Stopwatch.GetElapsedTime(t) < TimeSpan.FromSeconds(30))
            {
                JsonElement windows = await _api.GetFromJsonAsync<JsonElement>(path, CancellationToken.None);
                if (windows.GetArrayLength() > 0 && windows[0].GetProperty("seq").GetUInt64() == seq && windows[0].GetProperty("bootId").GetString() == boot)
                {
                    samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    break;
                }

                await Task.Delay(20, CancellationToken.None);
            }

            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return samples;
    }

    /// <summary>
    /// A window message. The JSON is made once per boot with a marker sequence number and only the number is
    /// spliced in per message, so the generator spends its time publishing, not serialising.
    /// </summary>
    private MqttApplicationMessage Window(string deviceId, string boot, ulong seq)
    {
        const ulong marker = 987_654_321_987_654_321;
        (byte[] Head, byte[] Tail) template = _templates.GetOrAdd(boot, _ =>
        {
            DateTimeOffset end = DateTimeOffset.UtcNow;
            string json = JsonSerializer.Serialize(new SummaryPayload
            {
                BootId = boot, Seq = marker, WindowStart = end.AddMinutes(-1), WindowEnd = end, Profile = _profile, Verdict = "ok",
                Detections = new() { ["hey_jarvis"] = 1 }, Pipeline = new PipelineCounters(60, 14.2, 1875, 180),
                Latency = new LatencySummary(0.19, 0.4, 2.1, 7.5),
            }, ContractsJsonContext.Default.SummaryPayload);
            string[] parts = json.Split(marker.ToString(CultureInfo.InvariantCulture));
            return (System.Text.Encoding.UTF8.GetBytes(parts[0]), System.Text.Encoding.UTF8.GetBytes(parts[1]));
        });
        byte[] number = System.Text.Encoding.ASCII.GetBytes(seq.ToString(CultureInfo.InvariantCulture));
        byte[] payload = [.. template.Head, .. number, .. template.Tail];
        return new MqttApplicationMessageBuilder().WithTopic(Topics.For(deviceId, Topics.Summary)).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
    }

    private async Task<long> AcceptedAsync() => (await _api.GetFromJsonAsync<JsonElement>("/api/ingest/stats")).GetProperty("accepted").GetInt64();

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p / 100 * values.Count) - 1)];
    }

    /// <summary>A minute of a kiosk: speech bursts with varying level and pitch, room tone, three keyword heads.</summary>
    private static SignalProfile RealisticWindow()
    {
        var rng = new Random(7);
        var profiler = new SignalProfiler();
        var frame = new float[FrameFeatureExtractor.FrameSamples];
        string[] keywords = ["alexa", "hey_jarvis", "timer"];
        var scores = new float[3];
        for (int i = 0; i < 1875; i++)
        {
            bool speech = i / 16 % 3 != 0;
            double amplitude = speech ? 0.1 * Math.Pow(10, (rng.NextDouble() * 12 - 6) / 20) : 0.001;
            double pitch = 90 + rng.Next(200);
            for (int j = 0; j < frame.Length; j++)
            {
                frame[j] = (float)(amplitude * (speech ? 0.6 * Math.Sin(2 * Math.PI * pitch * j / 16_000) + 0.4 * (rng.NextDouble() * 2 - 1) : rng.NextDouble() * 2 - 1));
            }

            profiler.Push(frame, speech ? 0.9f : 0.1f, 0.2 + rng.NextDouble() * 0.2);
            if (speech && i % 5 == 0)
            {
                for (int k = 0; k < 3; k++)
                {
                    scores[k] = (float)Math.Pow(rng.NextDouble(), 6);
                }

                profiler.Predictions.AddChunk(scores, keywords, 1.5 + rng.NextDouble() * 3);
            }
        }

        return profiler.Profile;
    }
}

internal sealed record ThroughputResult(long Published, long Ingested, double PublishSeconds, double IngestSeconds, double IngestedPerSecond, double LatencyP50Ms, double LatencyP99Ms, int LatencySamples, double PubackP99Ms);
