using System.Text;
using System.Text.Json;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.TestSupport;

namespace EdgeCtl.Tests.Commands;

[Trait("Category", "Integration")]
public sealed class DriftCommandTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string[]> s_expected = new()
    {
        ["clean"] = [],
        ["new-mic-lowpass-3k4"] = ["bandwidth"],
        ["tinny-mic-highpass-400"] = ["bandwidth"],
        ["gain-minus-12db"] = ["level"],
        ["gain-plus-10db"] = ["level"],
        ["noise-10db-snr"] = ["noise"],
        ["hard-clipping"] = ["clipping"],
        ["dc-offset"] = ["dc-offset"],
        ["hum-50hz"] = ["hum"],
        ["hum-60hz"] = ["hum"],
        ["dead-microphone"] = ["dead-input"],
        ["dropouts"] = ["dead-input"],
        ["stuck-value"] = ["dead-input"],
        ["converter-noise"] = ["dead-input"],
        ["telephone-8k"] = ["bandwidth"],
    };

    private static readonly Lazy<string> s_reference = new(() =>
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "ref.json");
        ExternalTool.Result r = Edgectl.Run("profile", "build", DriftCorpus.Reference, "-o", path, "--description", "drift test reference");
        return r.ExitCode == 0 ? path : throw new InvalidOperationException(r.StdErr);
    });

    [Fact]
    public void Drift_EveryScenario_AlarmsItsFamilyAndNothingUnrelated()
    {
        var table = new StringBuilder("| scenario | verdict | families alarmed | features |\n|---|---|---|---|\n");
        var failures = new List<string>();
        foreach ((string scenario, string[] expected) in s_expected)
        {
            ExternalTool.Result r = Edgectl.Run("drift", DriftCorpus.Scenario(scenario), "--reference", s_reference.Value, "--json");
            Assert.True(r.ExitCode == 0, r.StdErr);
            using JsonDocument doc = JsonDocument.Parse(r.StdOut);
            string verdict = doc.RootElement.GetProperty("verdict").GetString()!;
            var alarms = doc.RootElement.GetProperty("alarms").EnumerateArray().ToList();
            string[] families = alarms.Select(a => a.GetProperty("family").GetString()!).Distinct().Order().ToArray();
            string features = string.Join(", ", alarms.Select(a => $"{a.GetProperty("feature").GetString()} {a.GetProperty("test").GetString()} {a.GetProperty("score").GetDouble():0.###}"));
            table.Append($"| {scenario} | {verdict} | {string.Join(", ", families)} | {features} |\n");
            string expectedVerdict = expected.Length == 0 ? "ok" : "drift";
            if (verdict != expectedVerdict || !families.SequenceEqual(expected.Order()))
            {
                failures.Add($"{scenario}: expected {expectedVerdict} [{string.Join(", ", expected)}], got {verdict} [{string.Join(", ", families)}]");
            }
        }

        output.WriteLine(table.ToString());
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void Analyze_WithReference_AddsTheDriftSection()
    {
        ExternalTool.Result r = Edgectl.Run("analyze", DriftCorpus.Scenario("hum-50hz"), "--reference", s_reference.Value, "--json");

        Assert.True(r.ExitCode == 0, r.StdErr);
        using JsonDocument doc = JsonDocument.Parse(r.StdOut);
        JsonElement drift = doc.RootElement.GetProperty("drift");
        Assert.Equal("drift", drift.GetProperty("verdict").GetString());
        Assert.Equal("hum", Assert.Single(drift.GetProperty("alarms").EnumerateArray()).GetProperty("family").GetString());
        Assert.True(doc.RootElement.GetProperty("speechSegments").GetArrayLength() > 0);
    }

    [Fact]
    public void Drift_ShortInput_IsInsufficientData()
    {
        ExternalTool.Result r = Edgectl.Run("drift", DriftCorpus.ShortCurrent, "--reference", s_reference.Value, "--json");

        using JsonDocument doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal("insufficient-data", doc.RootElement.GetProperty("verdict").GetString());
        Assert.Empty(doc.RootElement.GetProperty("alarms").EnumerateArray());
    }

    [Fact]
    public void Drift_BrokenReference_OneLineNamingTheFile()
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "ref.json");
        File.WriteAllText(path, "{\"schemaVersion\": 1, \"features\": 3}");

        ExternalTool.Result r = Edgectl.Run("drift", DriftCorpus.CleanCurrent, "--reference", path);

        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"edgectl: {path}: not a profile", line);
    }

    [Fact]
    public void ProfileBuild_Reference_EncodesCompactly()
    {
        // A profile's size depends on its occupied bins, not its duration (the hour budget is tested in the drift tests).
        long json = new FileInfo(s_reference.Value).Length;
        int compact = ProfileCodec.Encode(ProfileDocument.Read(s_reference.Value).ToProfile()).Length;

        output.WriteLine($"reference profile: {json} bytes JSON, {compact} bytes compact");
        Assert.InRange(compact, 500, 8 * 1024);
    }
}
