using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.TestSupport;
using EdgeCloud.Ingest;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Tests.Ingest;

/// <summary>
/// Random and mutated payloads for every topic a device publishes on, through the real ingest path (parsing, the
/// payload checks, profile decoding and bounds, the real rollout engine's inbox, the real LiteDB store and its group
/// commit): every one is answered with a documented outcome, none throws, and honest windows are still stored after.
/// </summary>
public sealed class IngestPropertyTests
{
    private const string DeviceId = "fuzz-1";

    private static readonly string[] s_outcomes =
    [
        Ingestor.Accepted, Ingestor.Duplicate, Rejections.Malformed, Rejections.Schema, Rejections.Invalid, Rejections.Store,
    ];

    private static readonly string[] s_leaves = [Topics.Status, Topics.Summary, Topics.Events, Topics.StateReported, Topics.StateProgress, "cmd/ping/ack"];

    private readonly string _dir = TestPaths.NewTempDirectory();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryMutatedPayload_GetsADocumentedOutcome_AndHonestWindowsAreStoredAfter()
    {
        using var store = new LiteDbCloudStore(_dir);
        await store.AddDeviceAsync(new DeviceRecord { DeviceId = DeviceId, Labels = new DeviceLabels { MicModel = "mic-a" }, PasswordHash = "h", CreatedAt = DateTimeOffset.UtcNow }, Ct);
        await using var writer = new WindowWriter(store, NullLogger<WindowWriter>.Instance);
        IOptions<CloudOptions> options = Options.Create(new CloudOptions());
        using var engine = new RolloutEngine(store, new DesiredOutbox(), options, TimeProvider.System, NullLogger<RolloutEngine>.Instance);
        var ingestor = new Ingestor(store, writer, new IngestStats(), new RateLimiter(int.MaxValue, int.MaxValue, TimeProvider.System), engine, options, TimeProvider.System, NullLogger<Ingestor>.Instance);
        var seeds = Seeds();

        Gen<(string Leaf, byte[] Payload)> mutated = Gen.OneOf(
            // One field replaced, removed or added, anywhere in the document.
            Gen.Select(Gen.OneOf(s_leaves), Gen.Int[0, 1000], JsonMutations.HostileValue, Gen.Int[0, 2]).Select((leaf, at, value, how) => (leaf, JsonMutations.Mutate(seeds[leaf], at, value, how))),
            // A few bytes of the text changed, or the text cut.
            Gen.Select(Gen.OneOf(s_leaves), Gen.Select(Gen.Int[0, 4000], Gen.Byte).Array[1, 4], Gen.Int[0, 4000]).Select((leaf, edits, cut) => (leaf, JsonMutations.Edit(seeds[leaf], edits, cut))),
            // The profile's bytes changed inside a well-formed summary.
            Gen.Select(Gen.Select(Gen.Int[0, 4000], Gen.Byte).Array[1, 6], Gen.Int[0, 4000]).Select((edits, cut) => (Topics.Summary, Mutate(seeds[Topics.Summary], ProfileEdit(edits, cut)))),
            // Nesting far deeper than any payload (System.Text.Json's limit is 64).
            Gen.Select(Gen.OneOf(s_leaves), Gen.Int[60, 5000]).Select((leaf, depth) => (leaf, Encoding.UTF8.GetBytes("{\"schemaVersion\":1,\"bootId\":" + new string('[', depth) + new string(']', depth) + "}"))),
            // Noise.
            Gen.Select(Gen.OneOf(s_leaves), Gen.Byte.Array[0, 300]).Select((leaf, bytes) => (leaf, bytes)));

        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        await mutated.SampleAsync(async sample =>
        {
            string outcome = await ingestor.IngestAsync(DeviceId, $"{Topics.Root}/{DeviceId}/{sample.Leaf}", sample.Payload, Ct);
            lock (outcomes)
            {
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }

            return s_outcomes.Contains(outcome);
        }, iter: 3000, threads: 1);

        Assert.True(outcomes.GetValueOrDefault(Rejections.Invalid) > 0 && outcomes.GetValueOrDefault(Rejections.Malformed) > 0, string.Join(", ", outcomes));
        Assert.Equal(0, outcomes.GetValueOrDefault(Rejections.Store)); // every bad window is caught by a check, not by the store

        string bootId = Guid.NewGuid().ToString("n");
        for (ulong seq = 1; seq <= 5; seq++)
        {
            Assert.Equal(Ingestor.Accepted, await ingestor.IngestAsync(DeviceId, Topics.For(DeviceId, Topics.Summary), Mqtt.TestDevice.Summary(bootId, seq), Ct));
        }

        Assert.Equal(5, (await store.ListWindowsAsync(DeviceId, 10_000, Ct)).Count(w => w.BootId == bootId));
    }

    private static Dictionary<string, JsonNode> Seeds()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var profile = new SignalProfile();
        return new Dictionary<string, JsonNode>(StringComparer.Ordinal)
        {
            [Topics.Status] = Node(new StatusPayload { State = StatusPayload.Online, BdSeq = 3, AgentVersion = "0.9.0", Models = [new ModelRef { Name = "silero_vad", Version = "v5", Slot = "live" }], Labels = new DeviceLabels { Site = "other-site" } }, ContractsJsonContext.Default.StatusPayload),
            [Topics.Summary] = Node(new SummaryPayload { BootId = "b1", Seq = 1, WindowStart = now.AddSeconds(-60), WindowEnd = now, Profile = Convert.ToBase64String(ProfileCodec.Encode(profile)), Verdict = "ok", Detections = new() { ["alexa"] = 0 }, Pipeline = new PipelineCounters(60, 10, 1875, 750), Latency = new LatencySummary(1, 2, 3, 4), Signals = new() { ["alexa"] = new ImplicitSignals(1, 1) } }, ContractsJsonContext.Default.SummaryPayload),
            [Topics.Events] = Node(new EventPayload { BootId = "b1", Seq = 2, At = now, Kind = EventPayload.AlarmChanged, Name = "bandwidth", State = "alarm", Detail = "energy_above_4k" }, ContractsJsonContext.Default.EventPayload),
            [Topics.StateReported] = Node(new ReportedState { AppliedVersion = 2, At = now, Models = [new ModelRef { Name = "silero_vad", Version = "v5" }], Pins = ["silero_vad"] }, ContractsJsonContext.Default.ReportedState),
            [Topics.StateProgress] = Node(new RolloutProgress { RolloutId = "ro-1", Name = "silero_vad", Version = "v6", Phase = RolloutProgress.Phases[0], At = now, Seq = 1, Health = new CandidateHealth(10, 0.9) }, ContractsJsonContext.Default.RolloutProgress),
            ["cmd/ping/ack"] = Node(new CommandAck { CmdId = "c1", Status = CommandAck.Done, Detail = "pong" }, ContractsJsonContext.Default.CommandAck),
        };
    }

    private static JsonNode Node<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonNode.Parse(JsonSerializer.Serialize(value, type))!;

    private static byte[] Mutate(JsonNode seed, Func<string, string> profile)
    {
        JsonNode doc = seed.DeepClone();
        doc["profile"] = profile(doc["profile"]!.GetValue<string>());
        return Encoding.UTF8.GetBytes(doc.ToJsonString());
    }

    private static Func<string, string> ProfileEdit((int At, byte Value)[] edits, int cut) => base64 =>
    {
        byte[] bytes = Convert.FromBase64String(base64);
        foreach ((int at, byte value) in edits)
        {
            bytes[at % bytes.Length] = value;
        }

        return Convert.ToBase64String(bytes.AsSpan(0, Math.Max(1, bytes.Length - (cut % 8))));
    };
}
