using System.Diagnostics;
using System.Text.Json;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Service.Tests.Listening;

[Trait("Category", "Integration")]
public sealed class SpeechWorkerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_startup = TimeSpan.FromSeconds(30);

    private static string KeywordStream => SpeechCorpus.Make("stream-agent.wav", path =>
    {
        string[] clips = SpeechCorpus.KeywordClips.Where(c => c.Voice == "en-us" && c.Speed == 150 && !c.Noisy).Select(c => c.Path).ToArray();
        SpeechCorpus.Sox([.. clips, path]);
    });

    [Fact]
    public void Run_WavSource_LogsEveryDetectionAndStopsAtTheEnd()
    {
        using var agent = new AgentProcess(TestPaths.NewTempDirectory(), $"--EdgeAgent:Source=wav:{KeywordStream}");

        int? exit = agent.WaitForExit(TimeSpan.FromSeconds(60));
        output.WriteLine(agent.Output);

        Assert.Equal(0, exit);
        foreach ((string keyword, _) in SpeechCorpus.KeywordPhrases)
        {
            Assert.Contains($"Detected {keyword} at", agent.Output);
        }

        Assert.Contains("Health:", agent.Output);

        // The rolling file is compact JSON, one event per line, with the detection's properties.
        string log = Directory.GetFiles(Path.Combine(agent.DataDir, "logs"), "edge-agent-*.clef").Single();
        var detections = File.ReadAllLines(log)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.TryGetProperty("Keyword", out _))
            .Select(e => e.GetProperty("Keyword").GetString())
            .ToList();
        Assert.Equal(SpeechCorpus.KeywordPhrases.Select(k => k.Keyword).Order(), detections.Order());
    }

    [Fact]
    public void Run_Sigterm_StopsCleanlyWithinFiveSeconds()
    {
        using var agent = new AgentProcess(TestPaths.NewTempDirectory(), $"--EdgeAgent:Source=wav:{KeywordStream}?loop=true&realtime=true");
        Assert.True(agent.WaitForOutput("opened at", s_startup), agent.Output);
        Thread.Sleep(1000);

        var clock = Stopwatch.StartNew();
        agent.Signal("TERM");
        int? exit = agent.WaitForExit(TimeSpan.FromSeconds(10));
        clock.Stop();
        output.WriteLine(agent.Output);

        Assert.Equal(0, exit);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("Stopped listening after", agent.Output);
    }

    [Fact]
    public void Run_StdinSource_HearsThePipedAudio()
    {
        string raw = Path.Combine(TestPaths.NewTempDirectory(), "audio.s16");
        SpeechCorpus.Sox(KeywordStream, "-r", "48000", "-c", "2", "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", raw);
        using var agent = new AgentProcess(TestPaths.NewTempDirectory(), "--EdgeAgent:Source=stdin:48000:2");

        using (FileStream file = File.OpenRead(raw))
        {
            file.CopyTo(agent.StandardInput);
        }

        agent.StandardInput.Close();
        int? exit = agent.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exit);
        Assert.Contains("Detected hey_jarvis at", agent.Output);
        Assert.Contains("Detected timer at", agent.Output);
    }

    [Fact]
    public void Run_InvalidSource_FailsNamingTheSetting()
    {
        using var agent = new AgentProcess(TestPaths.NewTempDirectory(), "--EdgeAgent:Source=microphone");

        int? exit = agent.WaitForExit(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, exit);
        Assert.Contains("EdgeAgent:Source", agent.Output);
    }

    [Fact]
    public void Run_NoModels_ReportsTheFaultAndKeepsRunning()
    {
        using var agent = new AgentProcess(
            TestPaths.NewTempDirectory(),
            $"--EdgeAgent:ModelsDir={TestPaths.NewTempDirectory()}",
            "--EdgeAgent:Source=alsa:default");

        Assert.True(agent.WaitForOutput("Speech models unavailable", s_startup), agent.Output);
        Assert.Contains("tools/fetch-models.sh", agent.Output);
        agent.Signal("TERM");
        Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Run_MissingMicrophone_ReportsAFaultNotACrash()
    {
        using var agent = new AgentProcess(TestPaths.NewTempDirectory(), "--EdgeAgent:Source=alsa:no_such_device");

        Assert.True(agent.WaitForOutput("Audio source alsa:no_such_device failed", s_startup), agent.Output);
        Assert.True(agent.WaitForOutput("retrying in", s_startup));
        agent.Signal("TERM");
        Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(10)));
    }
}
