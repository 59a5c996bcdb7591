using System.IO.Compression;
using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Tests.Profiles;

/// <summary>Version 2 of the compact encoding adds the dead-input frame counts and the reference's spread; version 1 still decodes.</summary>
public sealed class ProfileCodecVersionTests
{
    [Fact]
    public void Decode_Version1_ReadsWithoutTheNewCounts()
    {
        SignalProfile profile = SyntheticDevice.Hour(seed: 4, minutes: 2);
        byte[] v2 = ProfileCodec.Encode(profile);
        Assert.Equal(2, v2[2]);

        // A version 1 encoding is the same body without its tail (stuck frames 0, converter-noise frames 0, no spread).
        byte[] body = Decompress(v2);
        Assert.Equal(new byte[] { 0, 0, 0 }, body[^3..]);
        SignalProfile back = ProfileCodec.Decode(Compress(body[..^3], version: 1));

        Assert.Equal(profile.Frames, back.Frames);
        Assert.Equal(0, back.StuckFrames);
        Assert.Empty(back.Spread);
        Assert.Equal(profile.Histograms[0].Counts.ToArray(), back.Histograms[0].Counts.ToArray());
    }

    [Fact]
    public void Encode_SpreadAndDeadFrames_RoundTripThroughBothForms()
    {
        SignalProfile profile = SyntheticDevice.Hour(seed: 5, minutes: 2);
        profile.Spread = [new FeatureSpread("speech_level", 8, 0.832, 0.228), new FeatureSpread("mel_fingerprint", 7, 1.803, 0.466)];

        SignalProfile compact = ProfileCodec.Decode(ProfileCodec.Encode(profile));
        SignalProfile json = ProfileDocument.From(profile).ToProfile();

        Assert.Equal(profile.Spread, compact.Spread);
        Assert.Equal(profile.Spread, json.Spread);
    }

    [Fact]
    public void Decode_Version3_IsRefusedNamingTheVersions()
    {
        byte[] encoded = ProfileCodec.Encode(SyntheticDevice.Hour(seed: 6, minutes: 1));
        encoded[2] = 3;

        var ex = Assert.Throws<FormatException>(() => ProfileCodec.Decode(encoded));
        Assert.Contains("version 3 is not supported (expected 1 to 2)", ex.Message, StringComparison.Ordinal);
    }

    private static byte[] Decompress(byte[] encoded)
    {
        int header = 3;
        while ((encoded[header] & 0x80) != 0)
        {
            header++;
        }

        using var input = new BrotliStream(new MemoryStream(encoded, header + 1, encoded.Length - header - 1), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Compress(byte[] body, byte version)
    {
        using var output = new MemoryStream();
        output.Write([(byte)'E', (byte)'P', version]);
        for (ulong n = (ulong)body.Length; ; n >>= 7)
        {
            output.WriteByte((byte)(n < 0x80 ? n : (n & 0x7F) | 0x80));
            if (n < 0x80)
            {
                break;
            }
        }

        using (var brotli = new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            brotli.Write(body);
        }

        return output.ToArray();
    }
}
