using System.Text.Json;
using EdgeAgent.TestSupport;

namespace EdgeCtl.Tests.Commands;

[Trait("Category", "Integration")]
public sealed class AnalyzeCommandTests
{
    [Fact]
    public void Analyze_Json_PrintsOneObjectWithTheSpecifiedFields()
    {
        SpeechClip clip = SpeechCorpus.KeywordClips.First(c => c.Keyword == "hey_jarvis" && !c.Noisy);

        ExternalTool.Result r = Edgectl.Run("analyze", clip.Path, "--json");

        Assert.Equal(0, r.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(r.StdOut);
        JsonElement root = doc.RootElement;
        Assert.InRange(root.GetProperty("durationSec").GetDouble(), 2, 10);
        Assert.InRange(root.GetProperty("speechRatio").GetDouble(), 0.05, 0.9);
        JsonElement segment = Assert.Single(root.GetProperty("speechSegments").EnumerateArray());
        Assert.InRange(segment.GetProperty("startSec").GetDouble(), clip.OnsetSec - 0.1, clip.OnsetSec + 0.1);
        JsonElement detection = Assert.Single(root.GetProperty("detections").EnumerateArray());
        Assert.Equal("hey_jarvis", detection.GetProperty("keyword").GetString());
        Assert.Equal("hey_jarvis", detection.GetProperty("model").GetString());
        Assert.Equal("0.1", detection.GetProperty("version").GetString());
        Assert.InRange(detection.GetProperty("score").GetDouble(), 0.5, 1.0);
        Assert.InRange(detection.GetProperty("timeSec").GetDouble(), clip.OnsetSec, clip.OnsetSec + 2);
        string[] models = root.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()!).ToArray();
        Assert.Contains("silero_vad", models);
        Assert.Contains("timer", models);
        Assert.All(root.GetProperty("models").EnumerateArray(), m => Assert.Equal(64, m.GetProperty("sha256").GetString()!.Length));
        JsonElement timing = root.GetProperty("timing");
        Assert.True(timing.GetProperty("rtf").GetDouble() > 0);
        Assert.Equal(root.GetProperty("durationSec").GetDouble(), timing.GetProperty("audioSec").GetDouble());
    }

    [Theory]
    [InlineData("hey_jarvis")]
    [InlineData("timer")]
    public void Analyze_WholeWindow_SameDetectionsAsStreaming(string keyword)
    {
        SpeechClip clip = SpeechCorpus.KeywordClips.First(c => c.Keyword == keyword && c.Noisy);

        ExternalTool.Result streamed = Edgectl.Run("analyze", clip.Path, "--json", "--ungated");
        ExternalTool.Result whole = Edgectl.Run("analyze", clip.Path, "--json", "--ungated", "--whole-window");

        Assert.Equal(0, streamed.ExitCode);
        Assert.Equal(0, whole.ExitCode);
        Assert.DoesNotContain("streaming embedding off", streamed.StdErr);
        string Detections(string json)
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            return string.Join(", ", doc.RootElement.GetProperty("detections").EnumerateArray()
                .Select(d => $"{d.GetProperty("keyword").GetString()}@{d.GetProperty("timeSec").GetDouble():F2}:{d.GetProperty("score").GetDouble():F4}"));
        }

        string expected = Detections(whole.StdOut);
        Assert.Contains(keyword, expected);
        Assert.Equal(expected, Detections(streamed.StdOut));
    }

    [Fact]
    public void Analyze_OddFormat_StereoFloat44k_StillDetects()
    {
        SpeechClip clip = SpeechCorpus.KeywordClips.First(c => c.Keyword == "alexa" && c.Voice == "en-gb-x-rp" && !c.Noisy);
        string odd = SpeechCorpus.Make("odd-alexa-44k-stereo-f32.wav", p => SpeechCorpus.Sox(clip.Path, "-r", "44100", "-c", "2", "-e", "floating-point", "-b", "32", p));

        ExternalTool.Result r = Edgectl.Run("analyze", odd, "--json", "--keywords", "alexa,hey_jarvis", "--vad", "v6");

        Assert.Equal(0, r.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal("alexa", Assert.Single(doc.RootElement.GetProperty("detections").EnumerateArray()).GetProperty("keyword").GetString());
        Assert.Equal(5, doc.RootElement.GetProperty("models").GetArrayLength()); // VAD, mel, embedding and the two heads
    }

    [Fact]
    public void Analyze_Human_PrintsSegmentsDetectionsAndTiming()
    {
        ExternalTool.Result r = Edgectl.Run("analyze", SpeechCorpus.Jfk);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("no keyword detected", r.StdOut);
        Assert.Contains("RTF", r.StdOut);
        Assert.Equal("", r.StdErr);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("missing")]
    public void Analyze_BrokenFile_OneLineOnStderrAndNonZeroExit(string kind)
    {
        string dir = TestPaths.NewTempDirectory();
        string path = Path.Combine(dir, kind + ".wav");
        byte[] good = File.ReadAllBytes(SpeechCorpus.KeywordClips.First().Path);
        if (kind == "truncated")
        {
            File.WriteAllBytes(path, good[..(good.Length / 3)]);
        }
        else if (kind == "garbage")
        {
            File.WriteAllBytes(path, [.. good[..12], .. new byte[100]]);
        }

        ExternalTool.Result r = Edgectl.Run("analyze", path, "--json");

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        string line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"edgectl: {path}: ", line);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void Analyze_NoModels_HintsAtFetchModels()
    {
        ExternalTool.Result r = Edgectl.Run("analyze", SpeechCorpus.Jfk, "--models", TestPaths.NewTempDirectory());

        Assert.Equal(3, r.ExitCode);
        string line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("tools/fetch-models.sh", line);
    }

    [Theory]
    [InlineData("--vad", "v9", "--vad must be v5, v6 or legacy")]
    [InlineData("--threshold", "2", "--threshold must be a number between 0 and 1")]
    [InlineData("--keywords", "hey_nobody", "hey_nobody is not installed")]
    [InlineData("--bogus", "1", "Unrecognized command or argument '--bogus'")]
    public void Analyze_BadOption_OneLineNamingIt(string option, string value, string message)
    {
        ExternalTool.Result r = Edgectl.Run("analyze", SpeechCorpus.Jfk, option, value);

        Assert.NotEqual(0, r.ExitCode);
        string line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line);
    }
}
