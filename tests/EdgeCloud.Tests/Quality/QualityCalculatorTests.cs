using EdgeAgent.Contracts;
using EdgeCloud.Quality;
using EdgeCloud.Storage;

namespace EdgeCloud.Tests.Quality;

public sealed class QualityCalculatorTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Compute_KnownLabels_GivePrecisionRecallFalseAcceptsAndSignals()
    {
        DeviceRecord[] devices = [Device("a", "mic-a"), Device("b", "mic-b"), Device("c", "mic-a")];
        List<ClipRecord> clips =
        [
            Detection("a", 0, ["hey_jarvis"]), Detection("a", 10, ["hey_jarvis"]), Detection("c", 20, ["hey_jarvis"]), Detection("a", 30, []),
            Detection("a", 40, null),                                // unlabelled: counts for nothing but recall's overlap
            Detection("a", 50, ["alexa"], keyword: "alexa"),         // another keyword's detection
            Detection("a", 60, [], version: "0.9"),                  // an older version: its own row
            Random("a", 41, ["hey_jarvis"], speech: true),           // overlaps the detection at 40 s: detected
            Random("a", 100, ["hey_jarvis"], speech: true),          // nothing detected then: a miss
            Random("c", 200, [], speech: false),                     // the VAD heard speech, the labeler did not
        ];
        List<WindowRecord> windows =
        [
            Window("a", 1, 1800, 6, new ImplicitSignals(3, 1)), Window("c", 1, 1800, 4, new ImplicitSignals(1, 1)), Window("b", 1, 3600, 2, null),
        ];

        List<QualityRow> rows = QualityCalculator.Compute("hey_jarvis", "micModel", devices, clips, windows);

        Assert.Equal(["mic-a/0.9", "mic-a/1.0", "mic-b/1.0"], rows.Select(r => $"{r.Group}/{r.Version}"));
        QualityRow a = rows[1];
        Assert.Equal((4L, 3L, 0.75), (a.LabelledDetections, a.CorrectDetections, a.Precision!.Value));
        Assert.Equal(Proportion.Wilson(3, 4).Low, a.PrecisionLow);
        Assert.Equal(Proportion.Wilson(3, 4).High, a.PrecisionHigh);
        Assert.Equal((10L, 1.0), (a.Detections, a.AudioHours));
        Assert.Equal(10 * 0.25, a.FalseAcceptsPerHour!.Value, 10);
        Assert.Equal((2L, 1L, 0.5), (a.RecallSamples, a.RecallDetected, a.Recall!.Value));
        Assert.Equal((3L, 2.0 / 3), (a.VadLabelled, a.VadAgreement!.Value));
        Assert.Equal((4.0, 2.0), (a.RepeatsPerHour!.Value, a.UnansweredPerHour!.Value));
        Assert.Equal(2, a.Devices);

        QualityRow old = rows[0];
        Assert.Equal((1L, 0L, 0.0), (old.LabelledDetections, old.CorrectDetections, old.Precision!.Value));
        Assert.Null(old.FalseAcceptsPerHour); // no windows for 0.9: every device serves 1.0 now

        QualityRow b = rows[2];
        Assert.Equal((0L, (double?)null, 0.0, 1.0), (b.LabelledDetections, b.Precision, b.PrecisionLow, b.PrecisionHigh));
        Assert.Null(b.FalseAcceptsPerHour); // no labels: no precision to scale the detections by
        Assert.Null(b.Recall);
        Assert.Equal((0.0, 0.0), (b.RepeatsPerHour!.Value, b.UnansweredPerHour!.Value));
    }

    [Fact]
    public void Compute_WithoutGroupBy_IsOneCohortOfTheWholeFleet()
    {
        List<QualityRow> rows = QualityCalculator.Compute(
            "hey_jarvis", null, [Device("a", "mic-a"), Device("b", "mic-b")], [Detection("a", 0, ["hey_jarvis"]), Detection("b", 0, ["alexa"])], []);

        QualityRow all = Assert.Single(rows);
        Assert.Equal(("all", 2L, 0.5, (double?)null), (all.Group, all.LabelledDetections, all.Precision!.Value, all.FalseAcceptsPerHour));
    }

    private static DeviceRecord Device(string id, string mic) => new()
    {
        DeviceId = id, PasswordHash = "h", Labels = new DeviceLabels { MicModel = mic },
        Models = [new ModelRef { Name = "hey_jarvis", Version = "1.0", Slot = "active" }, new ModelRef { Name = "hey_jarvis", Version = "0.9", Slot = "previous" }],
    };

    private static ClipRecord Detection(string device, double atSeconds, List<string>? said, string keyword = "hey_jarvis", string version = "1.0") => new()
    {
        Id = Guid.NewGuid().ToString("n"), DeviceId = device, At = s_t0.AddSeconds(atSeconds), Trigger = ClipTrigger.Detection, Keyword = keyword, Score = 0.9,
        Models = [new ModelRef { Name = "hey_jarvis", Version = version }, new ModelRef { Name = "alexa", Version = "2" }], DurationSec = 2.5,
        Labels = said is null ? null : new ClipLabels(said, true, "ann", s_t0),
    };

    private static ClipRecord Random(string device, double atSeconds, List<string> said, bool speech) => new()
    {
        Id = Guid.NewGuid().ToString("n"), DeviceId = device, At = s_t0.AddSeconds(atSeconds), Trigger = ClipTrigger.RandomSpeech,
        Models = [new ModelRef { Name = "hey_jarvis", Version = "1.0" }], DurationSec = 3, Labels = new ClipLabels(said, speech, "ann", s_t0),
    };

    private static WindowRecord Window(string device, ulong seq, double seconds, long detections, ImplicitSignals? signals) => new()
    {
        DeviceId = device, BootId = "b", Seq = seq, WindowStart = s_t0, WindowEnd = s_t0.AddSeconds(seconds), DurationSeconds = seconds,
        Detections = new() { ["hey_jarvis"] = detections }, Signals = signals is null ? [] : new() { ["hey_jarvis"] = signals }, Profile = [1],
    };
}
