using System.Security.Cryptography;
using CsCheck;
using EdgeAgent.Contracts;

namespace EdgeCloud.Tests.Clips;

/// <summary>The sealed clip format shared by the device (seals) and the cloud (opens).</summary>
public sealed class ClipEnvelopeTests
{
    private static readonly ClipMetadata s_metadata = new()
    {
        ClipId = Guid.NewGuid().ToString("n"),
        DeviceId = "kiosk-1",
        At = DateTimeOffset.Parse("2026-12-02T08:00:00Z"),
        Trigger = ClipTrigger.Detection,
        Keyword = "hey_jarvis",
        Score = 0.93,
        Threshold = 0.5,
        Models = [new ModelRef { Name = "hey_jarvis", Version = "1.0.0", Slot = "active" }],
        Alarms = ["bandwidth"],
        DurationSec = 0.5,
    };

    [Fact]
    public void Seal_ThenOpenWithTheCloudsKey_GivesBackMetadataAndAudio()
    {
        using var cloud = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[] pcm = RandomNumberGenerator.GetBytes(16_000);

        byte[] sealedClip = ClipEnvelope.Seal(s_metadata, pcm, cloud.ExportSubjectPublicKeyInfo());
        (ClipMetadata metadata, byte[] opened) = ClipEnvelope.Open(sealedClip, cloud);

        Assert.Equal(pcm, opened);
        Assert.Equal(s_metadata.ClipId, metadata.ClipId);
        Assert.Equal("hey_jarvis", Assert.Single(metadata.Models).Name);
        Assert.Equal(s_metadata.ClipId, ClipEnvelope.ReadMetadata(sealedClip).ClipId);
        Assert.Equal(-1, sealedClip.AsSpan().IndexOf(pcm.AsSpan(0, 64))); // no audio in clear
    }

    [Fact]
    public void Open_WithAnotherKeyOrAfterTampering_IsRefusedByName()
    {
        using var cloud = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var thief = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[] sealedClip = ClipEnvelope.Seal(s_metadata, new byte[3200], cloud.ExportSubjectPublicKeyInfo());

        Assert.Contains("clip key", Assert.Throws<ClipFormatException>(() => ClipEnvelope.Open(sealedClip, thief)).Message);

        byte[] relabelled = (byte[])sealedClip.Clone();
        int at = relabelled.AsSpan().IndexOf("kiosk-1"u8);
        relabelled[at + 6] = (byte)'2'; // the metadata is authenticated: another device id does not open
        Assert.Throws<ClipFormatException>(() => ClipEnvelope.Open(relabelled, cloud));

        byte[] flipped = (byte[])sealedClip.Clone();
        flipped[^20] ^= 1;
        Assert.Throws<ClipFormatException>(() => ClipEnvelope.Open(flipped, cloud));
    }

    [Fact]
    public void AnyBytes_OpenOrFailWithAClipFormatException()
    {
        using var cloud = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[] valid = ClipEnvelope.Seal(s_metadata, new byte[640], cloud.ExportSubjectPublicKeyInfo());
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int[0, 255], Gen.Int[0, valid.Length]).Sample((at, value, length) =>
        {
            byte[] mutated = valid[..length];
            if (at < mutated.Length)
            {
                mutated[at] = (byte)value;
            }

            try
            {
                ClipEnvelope.Open(mutated, cloud);
            }
            catch (ClipFormatException)
            {
            }
        }, iter: 2000);
    }
}
