using System.Buffers.Binary;

namespace EdgeAgent.Core.Audio;

/// <summary>Signed 16-bit little-endian interleaved PCM from a stream (stdin), so any capture tool can feed the agent.</summary>
public sealed class RawPcmSource : IAudioSource
{
    private readonly Func<Stream> _open;
    private readonly string _description;
    private readonly AudioFormat _format;
    private Stream? _stream;
    private byte[] _bytes = [];
    private int _carry; // bytes of an incomplete frame kept from the previous read

    public RawPcmSource(Func<Stream> open, string description, AudioFormat format)
    {
        if (format.SampleRate is < 1000 or > 768_000 || format.Channels is < 1 or > 64)
        {
            throw new AudioSourceException($"{description}: unsupported raw PCM format {format}");
        }

        _open = open;
        _description = description;
        _format = format;
    }

    public static RawPcmSource StandardInput(AudioFormat format) =>
        new(Console.OpenStandardInput, $"stdin:{format.SampleRate}:{format.Channels}", format);

    public string Description => _description;

    public bool IsLive => false;

    public AudioFormat Format => _format;

    public void Open()
    {
        _stream ??= _open();
        _carry = 0;
    }

    public int Read(Span<float> interleaved)
    {
        Stream stream = _stream ?? throw new InvalidOperationException("The source is not open.");
        int block = 2 * _format.Channels;
        int frames = interleaved.Length / _format.Channels;
        int want = frames * block;
        if (_bytes.Length < want)
        {
            _bytes = new byte[want];
        }

        int have = _carry;
        while (have < block)
        {
            int n = stream.Read(_bytes, have, want - have);
            if (n == 0)
            {
                return 0; // end of stream; a trailing partial frame is dropped
            }

            have += n;
        }

        int whole = have / block;
        int samples = whole * _format.Channels;
        for (int i = 0; i < samples; i++)
        {
            interleaved[i] = BinaryPrimitives.ReadInt16LittleEndian(_bytes.AsSpan(2 * i)) / 32768f;
        }

        _carry = have - whole * block;
        if (_carry > 0)
        {
            Buffer.BlockCopy(_bytes, whole * block, _bytes, 0, _carry);
        }

        return whole;
    }

    public void Dispose() => _stream?.Dispose();
}
