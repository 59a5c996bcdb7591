using EdgeAgent.Core.Audio;

namespace EdgeAgent.Core.Tests.Audio;

public sealed class RawPcmSourceTests
{
    [Fact]
    public void Read_StereoS16InOddPieces_DecodesWholeFrames()
    {
        short[] samples = [1000, -1000, 16384, -16384, 32767, -32768];
        byte[] bytes = samples.SelectMany(BitConverter.GetBytes).ToArray();
        using var source = new RawPcmSource(() => new TrickleStream(bytes, 3), "test", new AudioFormat(16000, 2));
        source.Open();

        var all = new List<float>();
        var buffer = new float[8];
        int frames;
        while ((frames = source.Read(buffer)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, frames * 2));
        }

        Assert.Equal(samples.Select(s => s / 32768f), all);
    }

    /// <summary>A stream that returns at most a few bytes per read, as a pipe may.</summary>
    private sealed class TrickleStream(byte[] data, int step) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, step));
    }
}
