using System.Buffers.Binary;

namespace EdgeCloud.Clips;

/// <summary>RIFF/WAVE of mono 16-bit PCM (what clips hold): the 44-byte header and the data.</summary>
public static class Wav
{
    public const int HeaderBytes = 44;

    public static byte[] Encode(ReadOnlySpan<byte> pcm16, int sampleRate)
    {
        byte[] wav = new byte[HeaderBytes + pcm16.Length];
        WriteHeader(wav, sampleRate, pcm16.Length);
        pcm16.CopyTo(wav.AsSpan(HeaderBytes));
        return wav;
    }

    public static void WriteHeader(Span<byte> header, int sampleRate, int dataBytes)
    {
        const ushort channels = 1, bitsPerSample = 16;
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(36 + dataBytes));
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], 1); // PCM
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], channels);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)(sampleRate * channels * bitsPerSample / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)(channels * bitsPerSample / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], bitsPerSample);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)dataBytes);
    }
}
