using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Drift.Tests.Detection;

/// <summary>Every way a microphone goes silent alarms dead-input, with no speech at all, and names which it is.</summary>
public sealed class DeadInputTests
{
    private static readonly DriftOptions s_options = new() { MinSpeechSeconds = 20, MinNonSpeechSeconds = 5, MinSeconds = 10 };

    [Theory]
    [InlineData("zeros", "digital_silence", "exact-zeros")]
    [InlineData("stuck", "stuck_value", "constant-samples")]
    [InlineData("dither", "converter_noise", "format-floor")]
    public void Compare_DeadInput_AlarmsDeadInputOnlyAndNamesIt(string kind, string feature, string test)
    {
        SignalProfile reference = SyntheticRoom.Profile(new Random(1), noiseDb: -60, seconds: 60);
        SignalProfile current = Dead(kind, seconds: 30);

        DriftReport report = new DriftAnalyzer(s_options).Compare(current, reference);

        Assert.Equal(DriftReport.Drift, report.Verdict);
        DriftAlarm alarm = Assert.Single(report.Alarms);
        Assert.Equal((DriftFamily.DeadInput, feature, test), (alarm.Family, alarm.Feature, alarm.Test));
    }

    [Fact]
    public void Compare_QuietButLiveRoom_IsNotConverterNoise()
    {
        // A very quiet room (−75 dBFS, well above the format's floor) is not a dead capsule.
        SignalProfile reference = SyntheticRoom.Profile(new Random(2), noiseDb: -60, seconds: 60);
        SignalProfile current = SyntheticRoom.Profile(new Random(3), noiseDb: -75, seconds: 60);

        DriftReport report = new DriftAnalyzer(s_options).Compare(current, reference);

        Assert.DoesNotContain(report.Alarms, a => a.Family == DriftFamily.DeadInput);
        Assert.Contains(report.Features, f => f.Feature == "converter_noise" && f.Verdict == DriftReport.Ok);
    }

    /// <summary>A dead input: all zeros, one stuck value, or ±1 LSB triangular dither, VAD silent.</summary>
    private static SignalProfile Dead(string kind, double seconds)
    {
        var rng = new Random(7);
        var profiler = new SignalProfiler();
        var frame = new float[512];
        for (int i = 0; i < (int)(seconds / SignalProfile.FrameSeconds); i++)
        {
            for (int j = 0; j < frame.Length; j++)
            {
                frame[j] = kind switch
                {
                    "stuck" => 0.125f,
                    "dither" => (rng.Next(2) - rng.Next(2)) / 32768f,
                    _ => 0f,
                };
            }

            profiler.Push(frame, 0.01f);
        }

        return profiler.Profile;
    }
}
