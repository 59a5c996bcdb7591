using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeAgent.Clips;
using EdgeAgent.Contracts;
using EdgeAgent.Link;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Service.Tests.Clips;

/// <summary>The real agent on synthetic speech, its cloud a loopback <see cref="ClipCloudServer"/>.</summary>
[Trait("Category", "Integration")]
public sealed class ClipCaptureEndToEndTests(ITestOutputHelper output)
{
    private const string DeviceId = "test-device"; // AgentProcess's
    private const string Password = "clip-pass";

    private static SpeechClip Clip(string keyword) =>
        SpeechCorpus.KeywordClips.First(c => c.Keyword == keyword && c.Voice == "en-us" && c.Speed == 150 && !c.Noisy);

    /// <summary>hey jarvis, after 2 s and before 2 s of quiet (the clip's own 1 s pads included).</summary>
    private static string JarvisStream => SpeechCorpus.Make("clips-jarvis.wav", path => SpeechCorpus.Sox(Clip("hey_jarvis").Path, path, "pad", "1", "1"));

    /// <summary>alexa twice, 0.3 s apart, then 8 s without speech.</summary>
    private static string RepeatedAlexa => SpeechCorpus.Make("clips-alexa-twice.wav", path =>
        SpeechCorpus.Sox(Clip("alexa").Path, Clip("alexa").Path, path, "pad", "0", "7"));

    private static string RegistryKeyFile()
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "registry.pem");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(path, key.ExportSubjectPublicKeyInfoPem());
        return path;
    }

    private static string[] CloudSettings(ClipCloudServer server) =>
    [
        $"--EdgeAgent:Updates:RegistryUrl={server.Url}",
        $"--EdgeAgent:Updates:RegistryKeyFile={RegistryKeyFile()}",
        $"--EdgeAgent:Mqtt:Password={Password}",
    ];

    [Fact]
    public void Run_PolicyOn_SendsADetectionClipNamingTheServingModels()
    {
        using var server = new ClipCloudServer(DeviceId, Password);
        server.Policy = server.Policy with { Triggers = new ClipTriggers { Detections = true } };
        string dataDir = TestPaths.NewTempDirectory();
        using var agent = new AgentProcess(dataDir, [$"--EdgeAgent:Source=wav:{JarvisStream}?loop=true&realtime=true", .. CloudSettings(server)]);

        var clock = Stopwatch.StartNew();
        while (server.Stored.Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(60) && agent.WaitForExit(TimeSpan.FromMilliseconds(100)) is null)
        {
        }

        agent.Signal("TERM");
        Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(15)));
        output.WriteLine(agent.Output);

        Assert.NotEmpty(server.Stored);
        (ClipMetadata metadata, byte[] pcm) = server.Stored.Values.First();
        Assert.Equal(ClipTrigger.Detection, metadata.Trigger);
        Assert.Equal("hey_jarvis", metadata.Keyword);
        Assert.Equal(DeviceId, metadata.DeviceId);
        Assert.True(metadata.Score >= metadata.Threshold, $"score {metadata.Score} below threshold {metadata.Threshold}");
        Assert.Contains(metadata.Models, m => m.Name == "hey_jarvis" && m.Version == "0.1");
        Assert.Contains(metadata.Models, m => m.Name == "silero_vad" && m.Version == "v5");
        Assert.Equal(2.5, metadata.DurationSec, 2);
        Assert.Equal(pcm.Length / 2, Math.Round(metadata.DurationSec * 16_000));

        // The speech is in it: well above silence somewhere in the 2.5 s.
        short[] samples = new short[pcm.Length / 2];
        Buffer.BlockCopy(pcm, 0, samples, 0, pcm.Length);
        Assert.True(samples.Max(s => Math.Abs((int)s)) > 3000, "no speech in the clip");
        Assert.Contains("Clip policy v1: on (detections", agent.Output);
        Assert.Contains("Queued detection clip", agent.Output);
        Assert.Matches(@"clips [1-9]\d* queued / [1-9]\d* sent / 0 refused", agent.Output);
    }

    [Fact]
    public void Run_CloudOutageThenKill9_LosesNoCommittedClip()
    {
        using var server = new ClipCloudServer(DeviceId, Password);
        server.Script([.. Enumerable.Repeat(503, 10_000)]); // the cloud fails every upload
        string dataDir = TestPaths.NewTempDirectory();
        IReadOnlyList<QueuedClip> queued;
        using (var agent = new AgentProcess(dataDir, [$"--EdgeAgent:Source=wav:{JarvisStream}?loop=true&realtime=true", .. CloudSettings(server)]))
        {
            var clock = Stopwatch.StartNew();
            while (new ClipQueue(dataDir, owner: false).Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(100);
            }

            agent.Signal("KILL");
            agent.WaitForExit(TimeSpan.FromSeconds(10));
            output.WriteLine(agent.Output);
            queued = new ClipQueue(dataDir).List();
        }

        Assert.True(queued.Count >= 2, $"{queued.Count} clips queued");
        Assert.True(server.Uploads >= 1, "the agent never tried to upload");
        Assert.Empty(server.Stored);
        Assert.All(queued, c => Assert.NotNull(c.Metadata)); // whole envelopes only

        server.ClearScript(); // the cloud is back
        using (var agent = new AgentProcess(dataDir, [$"--EdgeAgent:Source=wav:{SpeechCorpus.Silence(2)}?loop=true&realtime=true", .. CloudSettings(server)]))
        {
            var clock = Stopwatch.StartNew();
            while (!queued.All(c => server.Stored.ContainsKey(c.ClipId)) && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(100);
            }

            agent.Signal("TERM");
            Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(15)));
            output.WriteLine(agent.Output);
        }

        Assert.All(queued, c => Assert.True(server.Stored.ContainsKey(c.ClipId), $"clip {c.ClipId} was lost"));
        Assert.Equal(0, new ClipQueue(dataDir).Count);
    }

    /// <summary>The four neutral sentences in one voice, one after the other: four speech segments, no keyword.</summary>
    private static string Sentences => SpeechCorpus.Make("clips-sentences.wav", path =>
        SpeechCorpus.Sox([.. SpeechCorpus.NeutralClips.Where(c => c.Voice == "en-us" && c.Speed == 150 && !c.Noisy).Select(c => c.Path), path]));

    [Fact]
    public void Run_RandomSpeechEverySegment_KeepsToTheHourlyQuota()
    {
        using var server = new ClipCloudServer(DeviceId, Password);
        server.Policy = server.Policy with { MaxClipsPerHour = 2, Triggers = new ClipTriggers { RandomSpeech = new RandomSpeechTrigger(1) } };
        string dataDir = TestPaths.NewTempDirectory();
        // The policy as a previous run kept it: in force from the first frame, before the cloud has answered.
        File.WriteAllText(Path.Combine(dataDir, "clip-policy.json"), JsonSerializer.Serialize(server.Policy, ContractsJsonContext.Default.ClipPolicy));
        using var agent = new AgentProcess(dataDir, [$"--EdgeAgent:Source=wav:{Sentences}", .. CloudSettings(server)]);

        Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(60)));
        output.WriteLine(agent.Output);

        List<ClipMetadata> clips = [.. server.Stored.Values.Select(c => c.Metadata), .. new ClipQueue(dataDir, owner: false).List().Select(c => c.Metadata!)];
        Assert.Contains("restored from", agent.Output);
        Assert.Equal(2, clips.DistinctBy(c => c.ClipId).Count());
        Assert.All(clips, c => Assert.Equal(ClipTrigger.RandomSpeech, c.Trigger));
        Assert.All(clips, c => Assert.Null(c.Keyword));
        Assert.Matches(@"clips 2 queued / \d+ sent / 0 refused / [1-9]\d* dropped", agent.Output); // the other segments: over the quota
    }

    [Fact]
    public void Run_PolicyOff_CapturesNothing()
    {
        using var server = new ClipCloudServer(DeviceId, Password);
        server.Policy = server.Policy with { Enabled = false };
        string dataDir = TestPaths.NewTempDirectory();
        using var agent = new AgentProcess(dataDir, [$"--EdgeAgent:Source=wav:{JarvisStream}?realtime=true", .. CloudSettings(server)]);

        Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(60)));
        output.WriteLine(agent.Output);

        Assert.Contains("Detected hey_jarvis at", agent.Output);
        Assert.Contains("Clip policy v1: off", agent.Output);
        Assert.Equal(0, server.Uploads);
        Assert.Empty(Directory.GetFiles(Path.Combine(dataDir, ClipQueue.DirectoryName)));
    }

    [Fact]
    public void Run_KeywordSaidTwiceThenSilence_SummaryCountsARepeatAndAnUnansweredDetection()
    {
        string dataDir = TestPaths.NewTempDirectory();
        using var agent = new AgentProcess(dataDir, [
            $"--EdgeAgent:Source=wav:{RepeatedAlexa}",
            "--EdgeAgent:Telemetry:WindowSeconds=5",
            "--EdgeAgent:Mqtt:Host=127.0.0.1",
            $"--EdgeAgent:Mqtt:Port={CloudProcess.FreePort()}", // no broker: the summaries stay in the outbox
        ]);

        Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(60)));
        output.WriteLine(agent.Output);
        Assert.Equal(2, agent.Output.Split("Detected alexa at").Length - 1);

        using var outbox = new Outbox(dataDir, 64L * 1024 * 1024);
        var summaries = outbox.Peek(1000).Where(m => m.Topic.EndsWith("/telemetry/summary", StringComparison.Ordinal))
            .Select(m => JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.SummaryPayload)!)
            .ToList();
        Assert.NotEmpty(summaries);
        var alexa = summaries.Where(s => s.Signals is not null && s.Signals.ContainsKey("alexa")).Select(s => s.Signals!["alexa"]).ToList();
        Assert.Equal(1, alexa.Sum(s => s.Repeats));
        Assert.Equal(1, alexa.Sum(s => s.Unanswered));
    }
}
