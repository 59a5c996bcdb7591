using System.Buffers;

namespace EdgeAgent.Core.Audio;

/// <summary>
/// A fixed-size block of 16 kHz mono samples in a buffer rented from <see cref="ArrayPool{T}.Shared"/>.
/// Whoever takes a frame out of the capture channel returns it with <see cref="Return"/>.
/// </summary>
public readonly record struct AudioFrame(float[] Buffer, int Length, long StartSample)
{
    public ReadOnlySpan<float> Samples => Buffer.AsSpan(0, Length);

    public void Return() => ArrayPool<float>.Shared.Return(Buffer);
}
