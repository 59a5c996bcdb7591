using EdgeAgent.Clips;
using EdgeAgent.Contracts;
using EdgeAgent.Link;
using EdgeAgent.Service.Clips;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Service.Updates;
using EdgeAgent.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAgent.Service.Tests.Clips;

/// <summary>The agent's real clip components over one data directory, a <see cref="FakeTimeProvider"/> and (optionally) a <see cref="ClipCloudServer"/>.</summary>
internal sealed class ClipTestRig : IDisposable
{
    public const string DeviceId = "kiosk-7";
    public const string Password = "s3cret";

    public ClipTestRig(ClipCloudServer? server = null, ClipOptions? options = null, int seed = 1, string? dataDir = null)
    {
        DataDir = dataDir ?? TestPaths.NewTempDirectory();
        Options = options ?? new ClipOptions { BackoffSeconds = 5, MaxBackoffSeconds = 60 };
        var agent = Microsoft.Extensions.Options.Options.Create(new AgentOptions { DeviceId = DeviceId, DataDir = DataDir });
        var link = Microsoft.Extensions.Options.Options.Create(new LinkOptions { Password = Password });
        Capture = new ClipCapture(Microsoft.Extensions.Options.Options.Create(Options), Time);
        Queue = new ClipQueue(DataDir);
        Fleet = new FleetLink(agent, link, Microsoft.Extensions.Options.Options.Create(new DeviceLabels()), Time, NullLogger<FleetLink>.Instance);
        Worker = new ClipWorker(Capture, Queue, new ClipDecider(Time, new Random(seed), Options.DriftAlarmClipsPerHour), Fleet, agent, Time, NullLogger<ClipWorker>.Instance);
        Http = new CloudHttp(agent, Microsoft.Extensions.Options.Options.Create(new UpdaterOptions { RegistryUrl = server?.Url }), link);
        Uploader = new ClipUploader(Http, Capture, Queue, agent, Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<ClipUploader>.Instance);
    }

    public string DataDir { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    public ClipOptions Options { get; }

    public ClipCapture Capture { get; }

    public ClipQueue Queue { get; }

    public FleetLink Fleet { get; }

    public ClipWorker Worker { get; }

    public CloudHttp Http { get; }

    public ClipUploader Uploader { get; }

    /// <summary>Feeds <paramref name="seconds"/> of a 440 Hz tone (or silence) in 512-sample frames, advancing the clock with the audio.</summary>
    public void Hear(double seconds, bool silent = false)
    {
        float[] frame = new float[512];
        for (long n = ClipAudio.Samples(seconds) / frame.Length; n > 0; n--)
        {
            long at = Capture.Ring.Written;
            for (int i = 0; i < frame.Length; i++)
            {
                frame[i] = silent ? 0 : 0.25f * MathF.Sin(2 * MathF.PI * 440 * (at + i) / ClipAudio.SampleRate);
            }

            Capture.OnAudio(frame);
            Time.Advance(TimeSpan.FromSeconds(frame.Length / (double)ClipAudio.SampleRate));
        }
    }

    /// <summary>A sealed clip committed straight to the queue (as the worker would).</summary>
    public QueuedClip Enqueue(ClipPolicy policy, DateTimeOffset? at = null, string deviceId = DeviceId)
    {
        short[] pcm = [.. Enumerable.Range(0, 8000).Select(i => (short)(1000 * Math.Sin(i / 5.0)))];
        var metadata = new ClipMetadata { ClipId = Guid.NewGuid().ToString("n"), DeviceId = deviceId, At = at ?? Time.GetUtcNow(), Trigger = ClipTrigger.Detection, DurationSec = 0.5 };
        return Queue.Commit(metadata, ClipEnvelope.Seal(metadata, ClipAudio.ToBytes(pcm), Convert.FromBase64String(policy.PublicKey!)));
    }

    public void Dispose()
    {
        Uploader.Dispose();
        Worker.Dispose();
        Fleet.Dispose();
        Http.Dispose();
    }
}
