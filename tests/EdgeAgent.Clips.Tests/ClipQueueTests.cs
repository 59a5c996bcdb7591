using System.Security.Cryptography;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Clips.Tests;

public sealed class ClipQueueTests
{
    private static readonly ECDiffieHellman s_cloud = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    internal static (ClipMetadata Metadata, byte[] Sealed, short[] Pcm) Clip(DateTimeOffset at, int samples = 16_000, int seed = 1)
    {
        var random = new Random(seed);
        short[] pcm = [.. Enumerable.Range(0, samples).Select(_ => (short)random.Next(-3000, 3000))];
        var metadata = new ClipMetadata
        {
            ClipId = Guid.NewGuid().ToString("n"), DeviceId = "dev-1", At = at, Trigger = ClipTrigger.Detection, Keyword = "hey_jarvis",
            Score = 0.9, Threshold = 0.5, DurationSec = samples / 16_000.0,
        };
        return (metadata, ClipEnvelope.Seal(metadata, ClipAudio.ToBytes(pcm), s_cloud.ExportSubjectPublicKeyInfo()), pcm);
    }

    [Fact]
    public void Commit_NewInstanceOverTheSameDirectory_SeesTheClipsOldestFirst()
    {
        string dataDir = TestPaths.NewTempDirectory();
        var queue = new ClipQueue(dataDir);
        var late = Clip(s_t0.AddMinutes(5));
        var early = Clip(s_t0);
        queue.Commit(late.Metadata, late.Sealed);
        queue.Commit(early.Metadata, early.Sealed);

        var reopened = new ClipQueue(dataDir); // a restart after kill -9
        IReadOnlyList<QueuedClip> clips = reopened.List();

        Assert.Equal([early.Metadata.ClipId, late.Metadata.ClipId], clips.Select(c => c.ClipId));
        Assert.Equal(early.Metadata.ClipId, reopened.Oldest()!.ClipId);
        Assert.Equal(early.Sealed, File.ReadAllBytes(clips[0].Path));
        Assert.Equal("hey_jarvis", clips[0].Metadata!.Keyword);
    }

    [Fact]
    public void Open_LeftoverTempFile_IsNeverListedAndIsDeleted()
    {
        string dataDir = TestPaths.NewTempDirectory();
        var queue = new ClipQueue(dataDir);
        var committed = Clip(s_t0);
        queue.Commit(committed.Metadata, committed.Sealed);
        var interrupted = Clip(s_t0.AddSeconds(1));
        string temp = Path.Combine(queue.Root, ".tmp-" + interrupted.Metadata.ClipId);
        File.WriteAllBytes(temp, interrupted.Sealed[..(interrupted.Sealed.Length / 2)]); // killed mid-write

        Assert.Single(queue.List());
        new ClipQueue(dataDir, owner: false).List(); // edgectl next to a running agent: leaves a write in progress alone
        Assert.True(File.Exists(temp));
        var reopened = new ClipQueue(dataDir);

        Assert.Equal(1, reopened.LeftoversDeleted);
        Assert.False(File.Exists(temp));
        Assert.Equal(committed.Metadata.ClipId, Assert.Single(reopened.List()).ClipId);
    }

    [Fact]
    public void Commit_FileHoldsNoPcmInClear()
    {
        var queue = new ClipQueue(TestPaths.NewTempDirectory());
        var clip = Clip(s_t0, samples: 32_000, seed: 7);

        QueuedClip queued = queue.Commit(clip.Metadata, clip.Sealed);

        byte[] onDisk = File.ReadAllBytes(queued.Path);
        byte[] pcm = ClipAudio.ToBytes(clip.Pcm);
        // No 16-byte run of the audio (8 samples) appears anywhere in the file.
        for (int at = 0; at + 16 <= pcm.Length; at += 512)
        {
            Assert.Equal(-1, onDisk.AsSpan().IndexOf(pcm.AsSpan(at, 16)));
        }

        Assert.Equal(ClipEnvelope.Open(onDisk, s_cloud).Pcm16, pcm);
    }

    [Fact]
    public void Enforce_RetentionAndBytes_DropExpiredThenOldest()
    {
        var queue = new ClipQueue(TestPaths.NewTempDirectory());
        var expired = Clip(s_t0.AddDays(-31));
        var old = Clip(s_t0.AddHours(-2));
        var middle = Clip(s_t0.AddHours(-1));
        var fresh = Clip(s_t0);
        foreach (var c in new[] { expired, old, middle, fresh })
        {
            queue.Commit(c.Metadata, c.Sealed);
        }

        IReadOnlyList<QueuedClip> dropped = queue.Enforce(middle.Sealed.Length + fresh.Sealed.Length, TimeSpan.FromDays(30), s_t0);

        Assert.Equal([expired.Metadata.ClipId, old.Metadata.ClipId], dropped.Select(c => c.ClipId));
        Assert.Equal([middle.Metadata.ClipId, fresh.Metadata.ClipId], queue.List().Select(c => c.ClipId));
        Assert.Equal(middle.Sealed.Length + fresh.Sealed.Length, queue.TotalBytes());
    }

    [Fact]
    public void Purge_OneOrAll_SaysHowMany()
    {
        var queue = new ClipQueue(TestPaths.NewTempDirectory());
        var a = Clip(s_t0);
        var b = Clip(s_t0.AddSeconds(1));
        var c = Clip(s_t0.AddSeconds(2));
        foreach (var clip in new[] { a, b, c })
        {
            queue.Commit(clip.Metadata, clip.Sealed);
        }

        Assert.Equal(1, queue.Purge(b.Metadata.ClipId));
        Assert.Equal(0, queue.Purge(b.Metadata.ClipId));
        Assert.Equal(2, queue.Purge());
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void List_DamagedFile_IsListedWithItsProblem()
    {
        var queue = new ClipQueue(TestPaths.NewTempDirectory());
        File.WriteAllBytes(Path.Combine(queue.Root, "1764576000000-" + new string('a', 32) + ".clip"), "not a clip"u8.ToArray());

        QueuedClip damaged = Assert.Single(queue.List());

        Assert.Null(damaged.Metadata);
        Assert.Contains("not a clip envelope", damaged.Problem);
    }
}
