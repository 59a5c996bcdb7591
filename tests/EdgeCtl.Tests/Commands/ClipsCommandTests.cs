using System.Security.Cryptography;
using System.Text.Json;
using EdgeAgent.Clips;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;

namespace EdgeCtl.Tests.Commands;

public sealed class ClipsCommandTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static ClipMetadata Queue(ClipQueue queue, DateTimeOffset at, string trigger, string? keyword, double? score)
    {
        using var cloud = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var metadata = new ClipMetadata
        {
            ClipId = Guid.NewGuid().ToString("n"), DeviceId = "kiosk-1", At = at, Trigger = trigger, Keyword = keyword, Score = score,
            DurationSec = 0.5, Models = [new ModelRef { Name = "hey_jarvis", Version = "0.1", Slot = "active" }],
        };
        short[] pcm = [.. Enumerable.Range(0, 8000).Select(i => (short)(i % 2000))];
        queue.Commit(metadata, ClipEnvelope.Seal(metadata, ClipAudio.ToBytes(pcm), cloud.ExportSubjectPublicKeyInfo()));
        return metadata;
    }

    [Fact]
    public void List_Json_ShowsEachClipsMetadataOldestFirst()
    {
        string dataDir = TestPaths.NewTempDirectory();
        var queue = new ClipQueue(dataDir);
        ClipMetadata late = Queue(queue, s_t0.AddMinutes(3), ClipTrigger.NearMiss, "alexa", 0.41);
        ClipMetadata early = Queue(queue, s_t0, ClipTrigger.Detection, "hey_jarvis", 0.93);

        ExternalTool.Result r = Edgectl.Run("clips", "list", "--json", "--data-dir", dataDir);

        Assert.True(r.ExitCode == 0, r.StdErr);
        using JsonDocument doc = JsonDocument.Parse(r.StdOut);
        var clips = doc.RootElement.GetProperty("clips").EnumerateArray().ToList();
        Assert.Equal([early.ClipId, late.ClipId], clips.Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("detection", clips[0].GetProperty("trigger").GetString());
        Assert.Equal("hey_jarvis", clips[0].GetProperty("keyword").GetString());
        Assert.Equal(0.93, clips[0].GetProperty("score").GetDouble());
        Assert.Equal(s_t0, clips[0].GetProperty("at").GetDateTimeOffset());
        Assert.Equal(["hey_jarvis@0.1"], clips[0].GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("near-miss", clips[1].GetProperty("trigger").GetString());
        Assert.Equal(new FileInfo(Directory.GetFiles(queue.Root)[0]).Length + new FileInfo(Directory.GetFiles(queue.Root)[1]).Length,
            doc.RootElement.GetProperty("totalBytes").GetInt64());
    }

    [Fact]
    public void List_Table_SaysTheAudioCannotBePlayed()
    {
        string dataDir = TestPaths.NewTempDirectory();
        ClipMetadata clip = Queue(new ClipQueue(dataDir), s_t0, ClipTrigger.Detection, "hey_jarvis", 0.93);

        ExternalTool.Result r = Edgectl.Run("clips", "list", "--data-dir", dataDir);

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains(clip.ClipId, r.StdOut);
        Assert.Contains("1 clip(s)", r.StdOut);
        Assert.Contains("sealed for the cloud", r.StdOut);
    }

    [Fact]
    public void Purge_OneThenAll_SaysHowMany()
    {
        string dataDir = TestPaths.NewTempDirectory();
        var queue = new ClipQueue(dataDir);
        ClipMetadata first = Queue(queue, s_t0, ClipTrigger.Detection, "hey_jarvis", 0.93);
        Queue(queue, s_t0.AddSeconds(5), ClipTrigger.RandomSpeech, null, null);
        Queue(queue, s_t0.AddSeconds(9), ClipTrigger.DriftAlarm, null, null);

        ExternalTool.Result one = Edgectl.Run("clips", "purge", "--id", first.ClipId, "--data-dir", dataDir);
        Assert.True(one.ExitCode == 0, one.StdErr);
        Assert.Contains("purged 1 clip from", one.StdOut);
        ExternalTool.Result again = Edgectl.Run("clips", "purge", "--id", first.ClipId, "--data-dir", dataDir);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains($"no queued clip {first.ClipId}", again.StdErr);

        ExternalTool.Result all = Edgectl.Run("clips", "purge", "--data-dir", dataDir);
        Assert.Contains("purged 2 clips from", all.StdOut);
        Assert.Empty(queue.List());
    }

    [Fact]
    public void Purge_BadIdOrMissingDirectory_FailsNamingIt()
    {
        string missing = Path.Combine(TestPaths.NewTempDirectory(), "nope");

        ExternalTool.Result bad = Edgectl.Run("clips", "purge", "--id", "../../etc", "--data-dir", TestPaths.NewTempDirectory());
        ExternalTool.Result gone = Edgectl.Run("clips", "list", "--data-dir", missing);

        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--id ../../etc: a clip id is 32 lower-case hex digits", bad.StdErr);
        Assert.Equal(2, gone.ExitCode);
        Assert.Contains($"{missing}: no such directory", gone.StdErr);
    }
}
