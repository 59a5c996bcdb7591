using System.IO.Compression;
using CsCheck;
using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Tests.Profiles;

/// <summary>
/// A profile comes from a device nobody vouches for: decoding and merging keep its dimensions and counts bounded, and
/// whatever bytes arrive, the decoder throws nothing but <see cref="FormatException"/> (of which
/// <see cref="ProfileBoundsException"/> is the bounds case).
/// </summary>
public sealed class ProfileBoundsTests
{
    [Fact]
    public void Decode_AKeywordFlood_IsRefused()
    {
        // The attack seen in the field: 80,000 keyword names in one window, each costing the fleet watch forever.
        var flood = new SignalProfile();
        for (int i = 0; i < 80_000; i++)
        {
            flood.Predictions.Keyword($"kw{i}");
        }

        var ex = Assert.Throws<ProfileBoundsException>(() => ProfileCodec.Decode(ProfileCodec.Encode(flood)));
        Assert.Contains("80000 keywords", ex.Message);
    }

    [Fact]
    public void Decode_AtTheKeywordBound_IsAccepted()
    {
        var profile = WithFrames(1000);
        for (int i = 0; i < PredictionProfile.MaxKeywords; i++)
        {
            profile.Predictions.Keyword($"kw{i}");
        }

        Assert.Equal(PredictionProfile.MaxKeywords, ProfileCodec.Decode(ProfileCodec.Encode(profile)).Predictions.Keywords.Count);
    }

    [Fact]
    public void Decode_FramesBeyondTheBound_OrCountsBeyondTheFrames_AreRefused()
    {
        SignalProfile huge = WithFrames(long.MaxValue);
        Assert.Contains("more than the", Assert.Throws<ProfileBoundsException>(() => ProfileCodec.Decode(ProfileCodec.Encode(huge))).Message);

        SignalProfile moreSpeechThanFrames = WithFrames(10, speech: 11);
        Assert.Throws<ProfileBoundsException>(() => ProfileCodec.Decode(ProfileCodec.Encode(moreSpeechThanFrames)));

        SignalProfile detections = WithFrames(10);
        detections.Predictions.Keyword("hey").Detections = 11;
        Assert.Contains("detections", Assert.Throws<ProfileBoundsException>(() => ProfileCodec.Decode(ProfileCodec.Encode(detections))).Message);

        SignalProfile latency = WithFrames(2);
        for (int i = 0; i < 3; i++)
        {
            latency.Predictions.AddVadLatency(1);
        }

        Assert.Contains("VAD latency", Assert.Throws<ProfileBoundsException>(() => ProfileCodec.Decode(ProfileCodec.Encode(latency))).Message);
    }

    [Fact]
    public void MergeFrom_BeyondTheFrameOrKeywordBound_ThrowsAndLeavesTheTargetUnchanged()
    {
        SignalProfile cohort = WithFrames(SignalProfile.MaxFrames - 5, speech: 100);
        SignalProfile more = WithFrames(10, speech: 10);

        Assert.Throws<ProfileBoundsException>(() => cohort.MergeFrom(more));
        Assert.Equal(SignalProfile.MaxFrames - 5, cohort.Frames);
        Assert.Equal(100, cohort.SpeechFrames); // the speech total cannot be driven negative by an overflow

        SignalProfile a = WithFrames(100), b = WithFrames(100);
        for (int i = 0; i < PredictionProfile.MaxKeywords; i++)
        {
            a.Predictions.Keyword($"a{i}");
            b.Predictions.Keyword($"b{i}");
        }

        Assert.Throws<ProfileBoundsException>(() => a.MergeFrom(b));
        Assert.Equal(100, a.Frames);
        Assert.Equal(PredictionProfile.MaxKeywords, a.Predictions.Keywords.Count);
    }

    [Fact]
    public void Decode_MutatedBodies_ThrowOnlyFormatExceptions_AndWhatDecodesMergesWithinBounds()
    {
        byte[] body = Body(ProfileCodec.Encode(SyntheticDevice.Hour(seed: 5, minutes: 2)));
        Gen<(int Position, byte Value)[]> mutations = Gen.Select(Gen.Int[0, body.Length - 1], Gen.Byte).Array[1, 6];
        Gen.Select(mutations, Gen.Int[0, 8]).Sample((edits, cut) =>
        {
            byte[] mutated = body[..^cut];
            foreach ((int position, byte value) in edits)
            {
                if (position < mutated.Length)
                {
                    mutated[position] = value;
                }
            }

            AssertOnlyFormatExceptions(Compress(mutated));
        }, iter: 3000);
    }

    [Fact]
    public void Decode_RandomBytes_ThrowOnlyFormatExceptions()
    {
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            AssertOnlyFormatExceptions(bytes);
            AssertOnlyFormatExceptions([(byte)'E', (byte)'P', ProfileCodec.Version, .. bytes]);
            AssertOnlyFormatExceptions(Compress(bytes));
        }, iter: 3000);
    }

    private static void AssertOnlyFormatExceptions(byte[] encoded)
    {
        SignalProfile decoded;
        try
        {
            decoded = ProfileCodec.Decode(encoded);
        }
        catch (FormatException)
        {
            return;
        }

        Assert.InRange(decoded.Frames, 0, SignalProfile.MaxFrames);
        Assert.InRange(decoded.Predictions.Keywords.Count, 0, PredictionProfile.MaxKeywords);
        var cohort = new SignalProfile();
        try
        {
            cohort.MergeFrom(decoded);
            cohort.MergeFrom(decoded);
        }
        catch (ProfileBoundsException)
        {
            return;
        }

        Assert.True(cohort.SpeechFrames >= 0 && cohort.Frames >= cohort.SpeechFrames);
    }

    private static SignalProfile WithFrames(long frames, long speech = 0)
    {
        var profile = new SignalProfile();
        for (int i = 0; i < profile.Histograms.Count; i++)
        {
            profile.Load(frames, speech, 0, 0, i, new long[profile.Histograms[i].Bins + 2], default);
        }

        return profile;
    }

    /// <summary>The raw varint body of an encoded profile.</summary>
    private static byte[] Body(byte[] encoded)
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

    /// <summary>A body framed like the codec does: "EP", the version, the length, Brotli.</summary>
    private static byte[] Compress(byte[] body)
    {
        var framed = new List<byte> { (byte)'E', (byte)'P', ProfileCodec.Version };
        ulong length = (ulong)body.Length;
        while (length >= 0x80)
        {
            framed.Add((byte)(length | 0x80));
            length >>= 7;
        }

        framed.Add((byte)length);
        using var output = new MemoryStream();
        using (var brotli = new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            brotli.Write(body);
        }

        return [.. framed, .. output.ToArray()];
    }
}
