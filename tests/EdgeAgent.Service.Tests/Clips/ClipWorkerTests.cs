using System.Diagnostics;
using System.Security.Cryptography;
using EdgeAgent.Clips;
using EdgeAgent.Contracts;
using EdgeAgent.Service.Clips;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Service.Tests.Clips;

public sealed class ClipWorkerTests
{
    private static readonly ECDiffieHellman s_cloud = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    private static readonly ClipPolicy s_on = new()
    {
        Version = 3, Enabled = true, MaxClipsPerHour = 10, PublicKey = Convert.ToBase64String(s_cloud.ExportSubjectPublicKeyInfo()),
        Triggers = new ClipTriggers { Detections = true, NearMiss = new NearMissTrigger(0.3), RandomSpeech = new RandomSpeechTrigger(1), DuringDriftAlarm = true },
    };

    private static readonly Lazy<SpeechModels> s_models = new(() => SpeechModels.Select(TestPaths.Models, "v5", ["hey_jarvis"]));

    private static void Detect(ClipTestRig rig, long peakSample, string[]? alarms = null) =>
        rig.Capture.OnKeyword(ClipCause.Detection, "hey_jarvis", 0.91f, 0.5, peakSample, s_models.Value, alarms ?? []);

    private static void Step(ClipTestRig rig)
    {
        rig.Worker.Take(rig.Capture.Requests);
        rig.Worker.CutReady(final: false);
    }

    [Fact]
    public void Detection_AfterThePostRoll_QueuesTheSpanSealedWithItsMetadata()
    {
        using var rig = new ClipTestRig();
        rig.Capture.Policy = s_on;
        rig.Fleet.PublishReported(new ReportedState { Models = [new ModelRef { Name = "hey_jarvis", Version = "0.1", Slot = "active" }] });
        rig.Hear(3);
        long peak = rig.Capture.Ring.Written;
        DateTimeOffset peakAt = rig.Time.GetUtcNow();
        Detect(rig, peak, ["bandwidth"]);

        rig.Hear(0.9);
        Step(rig);
        Assert.Equal(0, rig.Queue.Count); // the post-roll is not heard yet
        rig.Hear(0.2);
        Step(rig);

        QueuedClip clip = Assert.Single(rig.Queue.List());
        (ClipMetadata metadata, byte[] pcm) = ClipEnvelope.Open(File.ReadAllBytes(clip.Path), s_cloud);
        Assert.Equal(ClipTrigger.Detection, metadata.Trigger);
        Assert.Equal(ClipTestRig.DeviceId, metadata.DeviceId);
        Assert.Equal("hey_jarvis", metadata.Keyword);
        Assert.Equal(0.91, metadata.Score!.Value, 3);
        Assert.Equal(0.5, metadata.Threshold);
        Assert.Equal(["bandwidth"], metadata.Alarms);
        Assert.Equal(2.5, metadata.DurationSec, 3);
        Assert.Equal(peakAt - TimeSpan.FromSeconds(1.5), metadata.At);
        Assert.Contains(metadata.Models, m => m is { Name: "hey_jarvis", Version: "0.1", Slot: "active" });
        Assert.Contains(metadata.Models, m => m.Name == "silero_vad" && m.Version == "v5");

        short[] expected = new short[40_000];
        Assert.True(rig.Capture.Ring.TryCopy(peak - 24_000, expected));
        Assert.Equal(ClipAudio.ToBytes(expected), pcm);
        Assert.Equal(1, rig.Capture.Counters.Queued);
    }

    [Fact]
    public void Detection_RightAfterTheStart_KeepsTheShorterPreRoll()
    {
        using var rig = new ClipTestRig();
        rig.Capture.Policy = s_on;
        rig.Hear(0.512);
        Detect(rig, rig.Capture.Ring.Written);
        rig.Hear(1.024);
        Step(rig);

        Assert.Equal((8192 + 16_000) / 16_000.0, Assert.Single(rig.Queue.List()).Metadata!.DurationSec, 4);
    }

    [Fact]
    public void PolicyOff_NothingIsRequestedOrQueued()
    {
        using var rig = new ClipTestRig();
        foreach (ClipPolicy policy in new[] { ClipPolicy.Off, s_on with { Enabled = false } })
        {
            rig.Capture.Policy = policy;
            rig.Hear(2);
            Detect(rig, rig.Capture.Ring.Written);
            rig.Capture.OnSegment(rig.Capture.Ring.Written - 16_000, rig.Capture.Ring.Written, s_models.Value, []);
            Assert.False(rig.Capture.Requests.TryPeek(out _));
            rig.Hear(2);
            Step(rig);
        }

        Assert.Equal(0, rig.Queue.Count);
    }

    [Fact]
    public void DigitalSilence_IsNeverQueued()
    {
        using var rig = new ClipTestRig();
        rig.Capture.Policy = s_on;
        rig.Hear(3, silent: true);
        Detect(rig, rig.Capture.Ring.Written);
        rig.Hear(1.5, silent: true);
        Step(rig);

        Assert.Equal(0, rig.Queue.Count);
        Assert.Equal(1, rig.Capture.Counters.Silent);
        Assert.Empty(Directory.GetFiles(rig.Queue.Root));
    }

    [Fact]
    public void MaxClipsPerHour_DropsTheRest_UntilTheHourHasPassed()
    {
        using var rig = new ClipTestRig();
        rig.Capture.Policy = s_on with { MaxClipsPerHour = 2 };
        rig.Hear(2);
        for (int i = 0; i < 3; i++)
        {
            Detect(rig, rig.Capture.Ring.Written);
            rig.Hear(1.1);
        }

        Step(rig);
        Assert.Equal(2, rig.Queue.Count);
        Assert.Equal(1, rig.Capture.Counters.Dropped);

        rig.Time.Advance(TimeSpan.FromHours(1));
        Detect(rig, rig.Capture.Ring.Written);
        rig.Hear(1.1);
        Step(rig);
        Assert.Equal(3, rig.Queue.Count);
    }

    [Fact]
    public void MaxQueueBytes_DropsTheOldestQueued()
    {
        using var rig = new ClipTestRig();
        rig.Capture.Policy = s_on with { MaxQueueBytes = 200_000 }; // two 2.5 s clips (~80 KB each), not three
        rig.Hear(2);
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            Detect(rig, rig.Capture.Ring.Written);
            rig.Hear(1.1);
            Step(rig);
            ids.Add(rig.Queue.List()[^1].ClipId);
        }

        Assert.Equal(ids[1..], rig.Queue.List().Select(c => c.ClipId));
        Assert.Equal(1, rig.Capture.Counters.Dropped);
    }

    [Fact]
    public void SpeechSegment_RandomSampleOrDriftAlarm_CutToTheSegment()
    {
        using var rig = new ClipTestRig();
        rig.Capture.Policy = s_on with { Triggers = new ClipTriggers { DuringDriftAlarm = true } };
        rig.Hear(3);
        long end = rig.Capture.Ring.Written;
        rig.Capture.OnSegment(end - 16_000, end, s_models.Value, []);            // no alarm: not wanted
        rig.Capture.OnSegment(end - 24_000, end, s_models.Value, ["bandwidth"]); // during an alarm
        Step(rig);

        ClipMetadata metadata = Assert.Single(rig.Queue.List()).Metadata!;
        Assert.Equal(ClipTrigger.DriftAlarm, metadata.Trigger);
        Assert.Null(metadata.Keyword);
        Assert.Equal(1.5, metadata.DurationSec, 3);

        rig.Capture.Policy = s_on; // randomSpeech rate 1: every segment
        rig.Capture.OnSegment(end - 16_000, end, s_models.Value, []);
        Step(rig);
        Assert.Equal([ClipTrigger.DriftAlarm, ClipTrigger.RandomSpeech], rig.Queue.List().Select(c => c.Metadata!.Trigger));
    }

    [Fact]
    public void Audio_Overwritten_BeforeTheWorkerCameIsDroppedNotCorrupted()
    {
        using var rig = new ClipTestRig();
        rig.Capture.Policy = s_on;
        rig.Hear(2);
        Detect(rig, rig.Capture.Ring.Written);
        rig.Hear(6); // the worker stalled for longer than the ring holds
        Step(rig);

        Assert.Equal(0, rig.Queue.Count);
        Assert.Equal(1, rig.Capture.Counters.Dropped);
    }

    [Fact]
    public async Task Run_CutsWhenThePostRollIsHeard_AndOnStopWithWhatWasHeard()
    {
        using var rig = new ClipTestRig();
        rig.Capture.Policy = s_on;
        await rig.Worker.StartAsync(TestContext.Current.CancellationToken);
        rig.Hear(2);
        Detect(rig, rig.Capture.Ring.Written);
        rig.Hear(1.2);
        var clock = Stopwatch.StartNew();
        while (rig.Queue.Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            rig.Time.Advance(TimeSpan.FromMilliseconds(100));
            Thread.Sleep(10);
        }

        Assert.Equal(1, rig.Queue.Count);

        Detect(rig, rig.Capture.Ring.Written); // the stream ends right after this detection
        rig.Hear(0.5);
        await rig.Worker.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, rig.Queue.Count);
        Assert.Equal((24_000 + (15 * 512)) / 16_000.0, rig.Queue.List()[^1].Metadata!.DurationSec, 4); // 1.5 s before, the 15 frames heard after
    }
}
