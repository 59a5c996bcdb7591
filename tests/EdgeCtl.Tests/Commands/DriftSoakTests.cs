using System.Globalization;
using System.Text.Json;
using EdgeAgent.TestSupport;

namespace EdgeCtl.Tests.Commands;

/// <summary>
/// The soak shortened for CI (tools/drift-soak.sh runs it in full): varied clean speech through the agent's drift watch
/// with 60 s windows and through cohort merging raises no alarm of any family; the same watch does raise one for a
/// band-limited microphone, and a looped recording reports no trend.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DriftSoakTests(ITestOutputHelper output)
{
    private const int Minutes = 8;

    /// <summary>Minutes of audio through the whole pipeline: generous, for a loaded CI machine.</summary>
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(20);

    private static readonly Lazy<string> s_reference = new(() =>
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "soak-reference.json");
        ExternalTool.Result r = Edgectl.RunFor(s_limit, "profile", "build", Audio("reference", 6, 1000), "-o", path);
        return r.ExitCode == 0 ? path : throw new InvalidOperationException(r.StdErr);
    });

    [Fact]
    public void Soak_CleanSpeech_NoAlarmOnDevicesOrCohort()
    {
        string runs = TestPaths.NewTempDirectory();
        var dirs = new List<string>();
        var failures = new List<string>();
        for (int device = 1; device <= 2; device++)
        {
            string windows = Path.Combine(runs, $"device-{device}");
            dirs.Add(windows);
            foreach (bool withReference in new[] { true, false })
            {
                string[] reference = withReference ? ["--reference", s_reference.Value, "--windows-out", windows] : [];
                ExternalTool.Result r = Edgectl.RunFor(s_limit, ["watch", Audio("device", Minutes, device), "--window", "60", "--json", .. reference]);
                Assert.True(r.ExitCode == 0, r.StdErr);
                using JsonDocument doc = JsonDocument.Parse(r.StdOut);
                JsonElement root = doc.RootElement;
                output.WriteLine($"device-{device} against {root.GetProperty("comparedWith").GetString()}: {root.GetProperty("windows").GetInt32()} windows, alarm changes {root.GetProperty("alarmChanges").GetRawText()}, trends {root.GetProperty("trends").GetArrayLength()}");
                Assert.True(root.GetProperty("windows").GetInt32() >= Minutes - 1);
                foreach (JsonElement change in root.GetProperty("alarmChanges").EnumerateArray())
                {
                    failures.Add($"device-{device} ({root.GetProperty("comparedWith").GetString()}): {change.GetRawText()}");
                }
            }
        }

        ExternalTool.Result cohort = Edgectl.RunFor(s_limit, ["cohort", .. dirs, "--reference", s_reference.Value]);
        Assert.True(cohort.ExitCode == 0, cohort.StdErr);
        using JsonDocument report = JsonDocument.Parse(cohort.StdOut);
        string verdict = report.RootElement.GetProperty("verdict").GetString()!;
        output.WriteLine($"cohort: {verdict} {report.RootElement.GetProperty("alarms").GetRawText()}");
        if (verdict != "ok")
        {
            failures.Add($"cohort: {verdict} {report.RootElement.GetProperty("alarms").GetRawText()}");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void Watch_BandLimitedMicrophone_RaisesBandwidth()
    {
        string narrow = SpeechCorpus.Make($"soak-device-1-{Minutes}m-lowpass-3k4.wav", path => SpeechCorpus.Sox(Audio("device", Minutes, 1), path, "sinc", "-3400"));

        ExternalTool.Result r = Edgectl.RunFor(s_limit, "watch", narrow, "--reference", s_reference.Value, "--window", "60", "--json");

        Assert.True(r.ExitCode == 0, r.StdErr);
        using JsonDocument doc = JsonDocument.Parse(r.StdOut);
        Assert.True(doc.RootElement.GetProperty("alarmsRaised").GetProperty("bandwidth").GetInt32() >= 1, r.StdOut);
        Assert.Equal(0, doc.RootElement.GetProperty("alarmsRaised").GetProperty("noise").GetInt32());
    }

    [Fact]
    public void Watch_LoopedRecording_ReportsNoTrend()
    {
        string clean = DriftCorpus.CleanCurrent;

        ExternalTool.Result r = Edgectl.RunFor(s_limit, "watch", clean, clean, clean, clean, clean, clean, "--reference", s_reference.Value, "--window", "10", "--json");

        Assert.True(r.ExitCode == 0, r.StdErr);
        using JsonDocument doc = JsonDocument.Parse(r.StdOut);
        Assert.True(doc.RootElement.GetProperty("windows").GetInt32() >= 36);
        Assert.True(doc.RootElement.GetProperty("trends").GetArrayLength() == 0, doc.RootElement.GetProperty("trends").GetRawText());
    }

    /// <summary>A soak stream from tools/drift-soak-audio.sh, cached.</summary>
    private static string Audio(string kind, int minutes, int seed) => SpeechCorpus.Make($"soak-{kind}-{seed}-{minutes}m.wav", path =>
        ExternalTool.Check(
            Path.Combine(TestPaths.RepoRoot, "tools", "drift-soak-audio.sh"),
            path,
            minutes.ToString(CultureInfo.InvariantCulture),
            seed.ToString(CultureInfo.InvariantCulture)));
}
