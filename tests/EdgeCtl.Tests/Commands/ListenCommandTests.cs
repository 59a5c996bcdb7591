using System.Text.Json;
using EdgeAgent.Core.Audio;
using EdgeAgent.TestSupport;

namespace EdgeCtl.Tests.Commands;

[Trait("Category", "Integration")]
public sealed class ListenCommandTests
{
    [Fact]
    public void Listen_AlsaFilePluginCapture_SameDetectionsAsTheWavPath()
    {
        // A capture device made of ALSA's file plugin replaying raw audio (no sound card needed).
        string wav = SpeechCorpus.Make("stream-alsa-16k.wav", path =>
        {
            string[] clips = SpeechCorpus.KeywordClips.Where(c => c.Voice == "en-gb+f2" && c.Speed == 130 && !c.Noisy)
                .Select(c => c.Path).ToArray();
            SpeechCorpus.Sox([.. clips, "-r", "16000", "-c", "1", "-b", "16", path]);
        });
        string home = TestPaths.NewTempDirectory();
        string raw = Path.Combine(home, "capture.s16");
        SpeechCorpus.Sox(wav, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", raw);
        File.WriteAllText(Path.Combine(home, ".asoundrc"), $$"""
            pcm.edgetest {
                type file
                slave.pcm "null"
                file "/dev/null"
                infile "{{raw}}"
                format "raw"
            }
            """);
        double seconds;
        using (WavReader reader = WavReader.Open(wav))
        {
            seconds = reader.DurationSeconds;
        }

        ExternalTool.Result fromWav = Edgectl.Run("analyze", wav, "--json");
        ExternalTool.Result fromAlsa = Edgectl.Run(
            new Dictionary<string, string> { ["HOME"] = home, ["EDGEAGENT_MODELS"] = TestPaths.Models.Root },
            "listen", "--source", "alsa:edgetest", "--seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json",
            "--buffer-seconds", "60"); // the file plugin delivers faster than real time: hold it all

        Assert.True(fromAlsa.ExitCode == 0, fromAlsa.StdErr);
        using (JsonDocument doc = JsonDocument.Parse(fromAlsa.StdOut))
        {
            Assert.Equal(0, doc.RootElement.GetProperty("pipeline").GetProperty("overruns").GetInt64());
        }

        string[] expected = Detections(fromWav.StdOut);
        Assert.Equal(SpeechCorpus.KeywordPhrases.Length, expected.Length);
        Assert.Equal(expected, Detections(fromAlsa.StdOut));
    }

    [Fact]
    public void Listen_UnknownDevice_FailsWithOneLine()
    {
        ExternalTool.Result r = Edgectl.Run(
            new Dictionary<string, string> { ["HOME"] = TestPaths.NewTempDirectory(), ["EDGEAGENT_MODELS"] = TestPaths.Models.Root },
            "listen", "--source", "alsa:no_such_device", "--seconds", "1");

        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("edgectl: alsa:no_such_device: cannot open the capture device", line);
    }

    private static string[] Detections(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("detections").EnumerateArray()
            .Select(d => $"{d.GetProperty("keyword").GetString()}@{d.GetProperty("timeSec").GetDouble():F2}")
            .ToArray();
    }
}
