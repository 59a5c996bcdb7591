namespace EdgeAgent.Clips;

/// <summary>
/// The last few seconds of the 16 kHz stream as 16-bit PCM, for clips. One writer (the audio thread) appends every
/// frame without allocating or locking; readers (the clip worker) copy a span out by its absolute sample positions and
/// learn whether the writer overwrote any of it meanwhile (a seqlock on the write position), so the audio thread never
/// waits for a reader.
/// </summary>
public sealed class AudioRing
{
    private readonly short[] _samples;
    private long _written;
    private long _writing; // the end of the write in progress: samples up to it minus the capacity may be overwritten

    public AudioRing(int capacitySamples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacitySamples, 1);
        _samples = new short[capacitySamples];
    }

    public int Capacity => _samples.Length;

    /// <summary>Samples appended since the start of the stream: the absolute position after the newest sample.</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>The oldest absolute position still held.</summary>
    public long Oldest => Math.Max(0, Written - _samples.Length);

    /// <summary>Audio thread: appends samples in [-1, 1] (clipped beyond) as 16-bit PCM.</summary>
    public void Write(ReadOnlySpan<float> samples)
    {
        long written = _written;
        int capacity = _samples.Length;
        if (samples.Length > capacity)
        {
            written += samples.Length - capacity;
            samples = samples[^capacity..];
        }

        // A full fence: the readers see the claim before any sample it overwrites changes.
        Interlocked.Exchange(ref _writing, written + samples.Length);
        int at = (int)(written % capacity);
        while (!samples.IsEmpty)
        {
            int take = Math.Min(samples.Length, capacity - at);
            Span<short> target = _samples.AsSpan(at, take);
            for (int i = 0; i < take; i++)
            {
                target[i] = ToPcm16(samples[i]);
            }

            samples = samples[take..];
            written += take;
            at = 0;
        }

        Volatile.Write(ref _written, written);
    }

    /// <summary>
    /// Copies the absolute span [<paramref name="start"/>, <paramref name="start"/> + <paramref name="target"/>.Length)
    /// into <paramref name="target"/>. False when any of it is not held (not heard yet, or already overwritten, also
    /// while copying); the target's content is then undefined.
    /// </summary>
    public bool TryCopy(long start, Span<short> target)
    {
        long end = start + target.Length;
        if (start < 0 || target.Length > _samples.Length || end > Written || start < Oldest)
        {
            return false;
        }

        int capacity = _samples.Length;
        int at = (int)(start % capacity);
        int first = Math.Min(target.Length, capacity - at);
        _samples.AsSpan(at, first).CopyTo(target);
        _samples.AsSpan(0, target.Length - first).CopyTo(target[first..]);

        // The writer may have lapped the start while we copied: then part of the copy is newer audio.
        Interlocked.MemoryBarrier();
        return start >= Volatile.Read(ref _writing) - capacity;
    }

    internal static short ToPcm16(float sample)
    {
        float scaled = sample * 32768f;
        return scaled >= short.MaxValue ? short.MaxValue : scaled <= short.MinValue ? short.MinValue : (short)MathF.Round(scaled);
    }
}
