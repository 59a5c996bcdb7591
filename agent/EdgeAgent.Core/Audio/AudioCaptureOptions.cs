namespace EdgeAgent.Core.Audio;

public sealed class AudioCaptureOptions
{
    /// <summary>Samples per frame handed to the pipeline (32 ms at 16 kHz).</summary>
    public int FrameSamples { get; set; } = 512;

    /// <summary>Frames the channel holds before the oldest is dropped (64 × 32 ms ≈ 2 s).</summary>
    public int Capacity { get; set; } = 64;

    /// <summary>Stop after this many 16 kHz samples (a timed recording); null captures until stopped.</summary>
    public long? MaxSamples { get; set; }

    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
