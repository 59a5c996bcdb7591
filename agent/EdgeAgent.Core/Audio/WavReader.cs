using System.Buffers.Binary;

namespace EdgeAgent.Core.Audio;

/// <summary>
/// Streams a RIFF/WAVE file as interleaved float samples in [-1, 1]: PCM 8 (unsigned), 16, 24 and 32 bit,
/// IEEE float 32 and 64 bit, plain or WAVE_FORMAT_EXTENSIBLE, any channel count and sample rate.
/// Malformed, truncated or unsupported files raise <see cref="AudioSourceException"/> naming the file.
/// </summary>
public sealed class WavReader : IDisposable
{
    private const ushort FormatPcm = 1;
    private const ushort FormatIeeeFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;
    private const int MaxChannels = 64;

    private readonly Stream _stream;
    private readonly string _name;
    private readonly long _dataStart;
    private readonly bool _isFloat;
    private readonly int _bytesPerSample;
    private readonly int _blockAlign;
    private byte[] _scratch = [];
    private long _framesLeft;

    private WavReader(Stream stream, string name)
    {
        _stream = stream;
        _name = name;
        (Format, _isFloat, _bytesPerSample, _dataStart, TotalFrames) = ReadHeader();
        _blockAlign = _bytesPerSample * Format.Channels;
        _framesLeft = TotalFrames;
    }

    public AudioFormat Format { get; }

    /// <summary>Frames (samples per channel) in the data chunk.</summary>
    public long TotalFrames { get; }

    public double DurationSeconds => (double)TotalFrames / Format.SampleRate;

    public static WavReader Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new AudioSourceException($"{path}: cannot open: {ex.Message}", ex);
        }

        try
        {
            return new WavReader(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads a WAV from any seekable stream; <paramref name="name"/> is used in error messages.</summary>
    public static WavReader Open(Stream stream, string name) => new(stream, name);

    /// <summary>Returns to the first sample (used to loop a file).</summary>
    public void Rewind()
    {
        _stream.Position = _dataStart;
        _framesLeft = TotalFrames;
    }

    /// <summary>Reads up to <c>interleaved.Length / Channels</c> frames; 0 at the end of the data.</summary>
    public int Read(Span<float> interleaved)
    {
        int channels = Format.Channels;
        int frames = (int)Math.Min(interleaved.Length / channels, _framesLeft);
        if (frames == 0)
        {
            return 0;
        }

        int bytes = frames * _blockAlign;
        if (_scratch.Length < bytes)
        {
            _scratch = new byte[bytes];
        }

        Span<byte> raw = _scratch.AsSpan(0, bytes);
        int got = _stream.ReadAtLeast(raw, bytes, throwOnEndOfStream: false);
        if (got < bytes)
        {
            throw Fail($"truncated: the data chunk promises {TotalFrames} frames but the file ends after {TotalFrames - _framesLeft + got / _blockAlign}");
        }

        Decode(raw, interleaved[..(frames * channels)]);
        _framesLeft -= frames;
        return frames;
    }

    /// <summary>Reads the whole file into one interleaved buffer.</summary>
    public float[] ReadAll()
    {
        if (TotalFrames * Format.Channels > Array.MaxLength)
        {
            throw Fail("too long to load at once");
        }

        var all = new float[TotalFrames * Format.Channels];
        int offset = 0;
        int n;
        while ((n = Read(all.AsSpan(offset))) > 0)
        {
            offset += n * Format.Channels;
        }

        return all;
    }

    public void Dispose() => _stream.Dispose();

    private void Decode(ReadOnlySpan<byte> raw, Span<float> dest)
    {
        switch (_bytesPerSample, _isFloat)
        {
            case (1, false):
                for (int i = 0; i < dest.Length; i++)
                {
                    dest[i] = (raw[i] - 128) / 128f;
                }

                break;
            case (2, false):
                for (int i = 0; i < dest.Length; i++)
                {
                    dest[i] = BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]) / 32768f;
                }

                break;
            case (3, false):
                for (int i = 0; i < dest.Length; i++)
                {
                    int b = 3 * i;
                    int v = (raw[b] << 8) | (raw[b + 1] << 16) | (raw[b + 2] << 24);
                    dest[i] = (v >> 8) / 8388608f;
                }

                break;
            case (4, false):
                for (int i = 0; i < dest.Length; i++)
                {
                    dest[i] = (float)(BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]) / 2147483648d);
                }

                break;
            case (4, true):
                for (int i = 0; i < dest.Length; i++)
                {
                    dest[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
                }

                break;
            default:
                for (int i = 0; i < dest.Length; i++)
                {
                    dest[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]);
                }

                break;
        }
    }

    private (AudioFormat Format, bool IsFloat, int BytesPerSample, long DataStart, long Frames) ReadHeader()
    {
        Span<byte> head = stackalloc byte[12];
        if (_stream.ReadAtLeast(head, 12, throwOnEndOfStream: false) < 12)
        {
            throw Fail("not a WAV file: shorter than a RIFF header");
        }

        if (!head[..4].SequenceEqual("RIFF"u8) || !head[8..12].SequenceEqual("WAVE"u8))
        {
            throw Fail(head[..4].SequenceEqual("RF64"u8)
                ? "RF64 (WAV over 4 GiB) is not supported"
                : "not a WAV file: no RIFF/WAVE header");
        }

        AudioFormat? format = null;
        bool isFloat = false;
        int bytesPerSample = 0;
        Span<byte> chunkHeader = stackalloc byte[8];
        while (true)
        {
            if (_stream.ReadAtLeast(chunkHeader, 8, throwOnEndOfStream: false) < 8)
            {
                throw Fail(format is null ? "no 'fmt ' chunk" : "no 'data' chunk");
            }

            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            if (chunkHeader[..4].SequenceEqual("fmt "u8))
            {
                (format, isFloat, bytesPerSample) = ReadFmt(size);
            }
            else if (chunkHeader[..4].SequenceEqual("data"u8))
            {
                if (format is not { } f)
                {
                    throw Fail("'data' chunk before the 'fmt ' chunk");
                }

                long dataStart = _stream.Position;
                long available = _stream.Length - dataStart;
                int block = bytesPerSample * f.Channels;

                // 0 and 0xFFFFFFFF are written by streaming recorders that never went back to fix the size.
                long bytes = size is 0 or uint.MaxValue ? available - (available % block) : size;
                if (bytes > available)
                {
                    throw Fail($"truncated: the data chunk promises {size} bytes but only {available} follow");
                }

                return (f, isFloat, bytesPerSample, dataStart, bytes / block);
            }
            else
            {
                long skip = size + (size & 1);
                if (_stream.Position + skip > _stream.Length)
                {
                    throw Fail($"truncated inside the '{System.Text.Encoding.ASCII.GetString(chunkHeader[..4])}' chunk");
                }

                _stream.Seek(skip, SeekOrigin.Current);
            }
        }
    }

    private (AudioFormat, bool IsFloat, int BytesPerSample) ReadFmt(uint size)
    {
        if (size is < 16 or > 1024)
        {
            throw Fail($"malformed 'fmt ' chunk of {size} bytes");
        }

        Span<byte> fmt = stackalloc byte[(int)size + (int)(size & 1)];
        if (_stream.ReadAtLeast(fmt, fmt.Length, throwOnEndOfStream: false) < fmt.Length)
        {
            throw Fail("truncated inside the 'fmt ' chunk");
        }

        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        int containerBits = bits;

        if (tag == FormatExtensible)
        {
            if (size < 40)
            {
                throw Fail("WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk shorter than 40 bytes");
            }

            // The sub-format GUID starts with the plain format tag (KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT).
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
            containerBits = blockAlign * 8 / Math.Max(channels, 1);
        }

        if (channels is < 1 or > MaxChannels)
        {
            throw Fail($"unsupported channel count {channels}");
        }

        if (rate is < 1000 or > 768_000)
        {
            throw Fail($"unsupported sample rate {rate} Hz");
        }

        bool ok = (tag, containerBits) switch
        {
            (FormatPcm, 8 or 16 or 24 or 32) => true,
            (FormatIeeeFloat, 32 or 64) => true,
            _ => false,
        };
        if (!ok)
        {
            string kind = tag switch
            {
                FormatPcm => "PCM",
                FormatIeeeFloat => "IEEE float",
                _ => $"format tag 0x{tag:X4}",
            };
            throw Fail($"unsupported encoding: {kind} with {containerBits}-bit samples");
        }

        if (blockAlign != channels * containerBits / 8)
        {
            throw Fail($"inconsistent 'fmt ' chunk: block align {blockAlign} for {channels} channels of {containerBits} bits");
        }

        return (new AudioFormat((int)rate, channels), tag == FormatIeeeFloat, containerBits / 8);
    }

    private AudioSourceException Fail(string problem) => new($"{_name}: {problem}");
}
