using EdgeAgent.Core.Audio;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAgent.Core.Tests.Audio;

public sealed class AudioCaptureTests
{
    [Fact]
    public async Task Frames_FileReadAsFastAsPossible_LosesNothing()
    {
        string path = Tone48kStereo();
        await using var capture = new AudioCapture(new WavFileSource(path), new AudioCaptureOptions { Capacity = 2 }, NullLogger.Instance);
        capture.Start();

        long samples = 0;
        await foreach (AudioFrame frame in capture.Frames.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            samples += frame.Length;
            frame.Return();
            await Task.Delay(1, TestContext.Current.CancellationToken); // a slow pipeline
        }

        Assert.Equal(16_000, samples); // 1 s at 48 kHz stereo becomes 1 s at 16 kHz mono
        Assert.Equal(0, capture.Overruns);
    }

    [Fact]
    public async Task Frames_LiveSourceAndStalledPipeline_DropsOldestAndCounts()
    {
        string path = Tone48kStereo();
        // Looped and paced like a microphone, but nobody reads for a while.
        await using var capture = new AudioCapture(new WavFileSource(path, loop: true, realtime: true), new AudioCaptureOptions { Capacity = 4 }, NullLogger.Instance);
        capture.Start();
        await Task.Delay(600, TestContext.Current.CancellationToken);

        Assert.True(capture.Overruns > 5, $"only {capture.Overruns} overruns");
        Assert.True(capture.Frames.TryRead(out AudioFrame frame));
        Assert.True(frame.StartSample > 0, "the oldest frames should have been dropped");
        frame.Return();
    }

    [Fact]
    public async Task Start_MissingFile_ReportsAFaultAndRetries()
    {
        var faults = new List<string>();
        await using var capture = new AudioCapture(
            new WavFileSource("/nonexistent/mic.wav"),
            new AudioCaptureOptions { ReconnectMinDelay = TimeSpan.FromMilliseconds(20) },
            NullLogger.Instance);
        capture.Fault += m =>
        {
            lock (faults)
            {
                faults.Add(m);
            }
        };
        capture.Start();
        await Task.Delay(300, TestContext.Current.CancellationToken);

        Assert.True(capture.Faults >= 2, $"{capture.Faults} faults");
        lock (faults)
        {
            Assert.Contains("/nonexistent/mic.wav: cannot open", faults[0]);
        }
    }

    private static string Tone48kStereo() =>
        TestSupport.SpeechCorpus.Make("tone-48000-2-1s.wav", p => TestSupport.SpeechCorpus.Sox("-n", "-r", "48000", "-c", "2", "-b", "16", p, "synth", "1", "sine", "440"));
}
