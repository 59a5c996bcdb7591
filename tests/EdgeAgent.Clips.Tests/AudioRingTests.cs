using CsCheck;

namespace EdgeAgent.Clips.Tests;

public sealed class AudioRingTests
{
    [Fact]
    public void TryCopy_SpanAcrossTheWrap_ReturnsTheSamplesInOrder()
    {
        var ring = new AudioRing(1000);
        float[] frame = new float[300];
        for (int n = 0; n < 5; n++)
        {
            for (int i = 0; i < frame.Length; i++)
            {
                frame[i] = ((n * 300) + i) / 32768f;
            }

            ring.Write(frame);
        }

        short[] copy = new short[800];
        Assert.True(ring.TryCopy(700, copy));
        Assert.Equal(Enumerable.Range(700, 800).Select(i => (short)i), copy);
    }

    [Fact]
    public void TryCopy_NotHeardYetOrOverwritten_IsFalse()
    {
        var ring = new AudioRing(1000);
        ring.Write(new float[1500]);

        Assert.False(ring.TryCopy(1400, new short[200]));  // ends after the newest sample
        Assert.False(ring.TryCopy(499, new short[100]));   // starts before the oldest
        Assert.True(ring.TryCopy(500, new short[1000]));
        Assert.False(ring.TryCopy(500, new short[1001]));  // longer than the ring
        Assert.Equal(500, ring.Oldest);
    }

    [Fact]
    public void Write_ClipsAndRounds_ToSixteenBit()
    {
        var ring = new AudioRing(8);
        ring.Write([1.5f, -1.5f, 0.5f, -0.5f, 0f, 1f]);

        short[] copy = new short[6];
        Assert.True(ring.TryCopy(0, copy));
        Assert.Equal(new short[] { 32767, -32768, 16384, -16384, 0, 32767 }, copy);
    }

    [Fact]
    public void Write_FrameLongerThanTheRing_KeepsItsNewestSamples()
    {
        var ring = new AudioRing(4);
        ring.Write([.. Enumerable.Range(0, 10).Select(i => i / 32768f)]);

        short[] copy = new short[4];
        Assert.True(ring.TryCopy(6, copy));
        Assert.Equal(new short[] { 6, 7, 8, 9 }, copy);
        Assert.Equal(10, ring.Written);
    }

    [Fact]
    public void TryCopy_AnyWritesAndSpans_MatchesTheStream()
    {
        Gen.Select(Gen.Int[1, 200], Gen.Int[1, 120].Array[1, 30], Gen.Int[0, 400], Gen.Int[1, 200]).Sample((capacity, frames, startBack, length) =>
        {
            var ring = new AudioRing(capacity);
            long written = 0;
            foreach (int size in frames)
            {
                ring.Write([.. Enumerable.Range(0, size).Select(i => (float)((written + i) % 30000) / 32768f)]);
                written += size;
            }

            long start = written - startBack;
            short[] copy = new short[length];
            bool held = start >= Math.Max(0, written - capacity) && start + length <= written;
            Assert.Equal(held, ring.TryCopy(start, copy));
            if (held)
            {
                Assert.Equal(Enumerable.Range(0, length).Select(i => (short)((start + i) % 30000)), copy);
            }
        });
    }

    [Fact]
    public void Write_SteadyState_AllocatesNothing()
    {
        var ring = new AudioRing(5 * 16_000);
        float[] frame = new float[512];
        ring.Write(frame);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3000; i++)
        {
            ring.Write(frame);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
