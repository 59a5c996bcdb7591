using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Ingest;

namespace EdgeCloud.Tests.Ingest;

public sealed class PayloadChecksTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Summary_WithoutSignals_OrWithHonestOnes_IsFine()
    {
        Assert.Null(PayloadChecks.Summary(Summary(null), new SignalProfile(), s_now));
        Assert.Null(PayloadChecks.Summary(Summary(new() { ["hey_jarvis"] = new ImplicitSignals(1, 0), ["alexa"] = new ImplicitSignals(0, 1) }), new SignalProfile(), s_now));
    }

    [Theory]
    [InlineData("negative", "are negative or more than")]
    [InlineData("huge", "are negative or more than")]
    [InlineData("key", "signals key has characters")]
    [InlineData("long", "signals key is longer than")]
    [InlineData("null", "signals of hey_jarvis are null")]
    [InlineData("many", "more than 64 signal counters")]
    public void Summary_WithBadSignals_SaysWhatIsWrong(string bad, string problem)
    {
        Dictionary<string, ImplicitSignals> signals = bad switch
        {
            "negative" => new() { ["hey_jarvis"] = new ImplicitSignals(-1, 0) },
            "huge" => new() { ["hey_jarvis"] = new ImplicitSignals(0, long.MaxValue) },
            "key" => new() { ["hey jarvis\n"] = new ImplicitSignals(0, 0) },
            "long" => new() { [new string('k', PayloadChecks.MaxNameLength + 1)] = new ImplicitSignals(0, 0) },
            "null" => new() { ["hey_jarvis"] = null! },
            _ => Enumerable.Range(0, PayloadChecks.MaxEntries + 1).ToDictionary(i => $"k{i}", _ => new ImplicitSignals(0, 0)),
        };

        Assert.Contains(problem, PayloadChecks.Summary(Summary(signals), new SignalProfile(), s_now));
    }

    private static SummaryPayload Summary(Dictionary<string, ImplicitSignals>? signals) => new()
    {
        BootId = "b1", Seq = 1, WindowStart = s_now.AddSeconds(-60), WindowEnd = s_now, Profile = "", Detections = new() { ["hey_jarvis"] = 1 }, Signals = signals,
    };
}
