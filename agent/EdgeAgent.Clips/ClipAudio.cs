using System.Buffers.Binary;

namespace EdgeAgent.Clips;

/// <summary>The audio of a clip: 16-bit PCM as the envelope seals it, and the check that it is worth sending.</summary>
public static class ClipAudio
{
    public const int SampleRate = 16_000;

    /// <summary>Empty or digital silence (every sample 0): such a clip is never queued.</summary>
    public static bool IsSilent(ReadOnlySpan<short> pcm) => pcm.IsEmpty || !pcm.ContainsAnyExcept((short)0);

    /// <summary>Little-endian 16-bit PCM bytes, as in a WAV file.</summary>
    public static byte[] ToBytes(ReadOnlySpan<short> pcm)
    {
        byte[] bytes = new byte[pcm.Length * 2];
        for (int i = 0; i < pcm.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), pcm[i]);
        }

        return bytes;
    }

    public static long Samples(double seconds) => (long)Math.Round(seconds * SampleRate);
}
