namespace EdgeAgent.Core.Audio;

/// <summary>
/// A blocking source of interleaved float samples in [-1, 1] (a WAV file, ALSA, raw PCM on stdin).
/// Read from one thread only.
/// </summary>
public interface IAudioSource : IDisposable
{
    /// <summary>Where the audio comes from, for logs and errors (e.g. <c>alsa:hw:1,0</c>).</summary>
    string Description { get; }

    /// <summary>
    /// True when the audio arrives at its own pace (a microphone, a file played in real time): a pipeline that falls
    /// behind loses the oldest frames. False for a file read as fast as possible or a pipe, where the reader waits.
    /// </summary>
    bool IsLive { get; }

    /// <summary>The format of what <see cref="Read"/> returns; known after <see cref="Open"/>.</summary>
    AudioFormat Format { get; }

    /// <summary>Opens (or re-opens after a fault) the underlying device or file.</summary>
    /// <exception cref="AudioSourceException">The device or file cannot be opened.</exception>
    void Open();

    /// <summary>
    /// Blocks until at least one frame is available and copies whole frames into <paramref name="interleaved"/>.
    /// Returns the number of frames (samples per channel) read, or 0 at the end of the stream.
    /// </summary>
    /// <exception cref="AudioSourceException">The device failed and must be re-opened.</exception>
    int Read(Span<float> interleaved);
}
