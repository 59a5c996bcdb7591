using EdgeAgent.Contracts;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.TestSupport;
using EdgeCloud.Fleet;
using EdgeCloud.Quality;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCloud.Tests.Fleet;

/// <summary>The fleet watch's concept alarm: labelled precision collapses while the input stays ok.</summary>
public sealed class ConceptDriftTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task FleetWatch_ACohortWhosePrecisionCollapsesWhileItsInputIsOk_RaisesAConceptAlarm()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(s_now);
        using ICloudStore store = new LiteDbCloudStore(TestPaths.NewTempDirectory());
        await store.SetReferenceAsync(ProfileCodec.Encode(Room(-60, seed: 9)), "fleet", ct);
        // depot: input ok, every detection false; noisy: input drifted, every detection false; fine: input ok, detections right.
        foreach ((string id, string site, double noiseDb, bool right) in new[] { ("a", "depot", -60.0, false), ("b", "depot", -60.0, false), ("c", "noisy", -30.0, false), ("d", "fine", -60.0, true) })
        {
            await store.AddDeviceAsync(new DeviceRecord { DeviceId = id, Labels = new DeviceLabels { Site = site }, PasswordHash = "x" }, ct);
            for (int w = 0; w < 4; w++)
            {
                DateTimeOffset end = s_now.AddMinutes(-5 * (w + 1));
                await store.AddWindowAsync(new WindowRecord
                {
                    DeviceId = id, BootId = "boot", Seq = (ulong)w + 1, WindowStart = end.AddMinutes(-1), WindowEnd = end, ReceivedAt = end,
                    Profile = ProfileCodec.Encode(Room(noiseDb, seed: (10 * w) + id[0])),
                }, ct);
                await store.AddClipAsync(new ClipRecord
                {
                    Id = $"{id}{w}", DeviceId = id, At = end, ReceivedAt = end, Trigger = ClipTrigger.Detection, Keyword = "hey_jarvis", Score = 0.9,
                    Models = [new ModelRef { Name = "hey_jarvis", Version = "1.0" }], DurationSec = 2.5, ExpiresAt = end.AddDays(30),
                    Labels = new ClipLabels(right ? ["hey_jarvis"] : [], true, "ann", s_now),
                }, [1, 2], ct);
            }
        }

        var options = new CloudOptions();
        options.Quality.MinLabelled = 4;
        using var watch = new FleetWatch(store, new CohortDrift(store, time), Options.Create(options), time, NullLogger<FleetWatch>.Instance);
        for (int i = 0; i < options.Fleet.RaiseAfter; i++)
        {
            await watch.EvaluateAsync(ct);
            time.Advance(TimeSpan.FromSeconds(options.Fleet.EvaluateEverySeconds));
        }

        List<FleetAlarm> concept = watch.ActiveAlarms.Where(a => a.Family == ConceptDrift.Family).ToList();
        FleetAlarm depot = Assert.Single(concept, a => a.Label == "site");
        Assert.Equal(("depot", "alarm"), (depot.Group, depot.State));
        Assert.Contains("hey_jarvis@1.0 precision 0 [0, 0.324] < 0.8 over 8 labelled detections", depot.Evidence);
        Assert.Equal(["a", "b"], depot.Devices);
        Assert.Contains(watch.ActiveAlarms, a => a.Label == "site" && a.Group == "noisy" && a.Family != ConceptDrift.Family); // its input explains it
    }

    [Fact]
    public void Judge_NeedsEnoughLabelsAndAnOkInput()
    {
        var options = new QualityOptions { MinPrecision = 0.8, MinLabelled = 5 };
        QualityRow Row(long labelled, long correct)
        {
            Proportion p = Proportion.Wilson(correct, labelled);
            return new QualityRow { Group = "g", Model = "m", Version = "1", LabelledDetections = labelled, CorrectDetections = correct, Precision = p.Estimate, PrecisionLow = p.Low, PrecisionHigh = p.High };
        }

        Assert.Equal(DriftReport.InsufficientData, ConceptDrift.Judge([Row(4, 0)], DriftReport.Ok, options).Verdict); // too few labels
        Assert.Equal(DriftReport.InsufficientData, ConceptDrift.Judge([Row(20, 0)], DriftReport.Drift, options).Verdict); // the input explains it
        Assert.Equal(DriftReport.Drift, ConceptDrift.Judge([Row(20, 10)], DriftReport.Ok, options).Verdict); // upper bound 0.70
        Assert.Equal(DriftReport.Ok, ConceptDrift.Judge([Row(5, 3)], DriftReport.Ok, options).Verdict);   // 0.6, but the interval reaches 0.8: not significant
        Assert.Equal(DriftReport.Ok, ConceptDrift.Judge([Row(20, 19)], DriftReport.Ok, options).Verdict);
    }

    private static SignalProfile Room(double noiseDb, int seed) => SyntheticRoom.Profile(new Random(seed), noiseDb, 60);
}
