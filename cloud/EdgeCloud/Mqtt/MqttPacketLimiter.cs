namespace EdgeCloud.Mqtt;

/// <summary>
/// Follows MQTT packets through a byte stream by their fixed headers (type byte, then the remaining length in 1-4
/// varint bytes) without buffering them, and says when a packet declares more than <see cref="MaxRemaining"/> bytes
/// or a malformed length — before the bytes that declare it are passed on.
/// </summary>
public sealed class MqttPacketLimiter(int maxRemaining)
{
    private long _remaining;
    private bool _inLength;
    private int _length;
    private int _lengthBytes;

    public int MaxRemaining { get; } = maxRemaining;

    /// <summary>Packets whose fixed header was read whole.</summary>
    public long Packets { get; private set; }

    /// <returns>False when <paramref name="chunk"/> declares a packet over the limit or a length over 4 bytes.</returns>
    public bool Check(ReadOnlySpan<byte> chunk)
    {
        int i = 0;
        while (i < chunk.Length)
        {
            if (_remaining > 0)
            {
                int take = (int)Math.Min(_remaining, chunk.Length - i);
                _remaining -= take;
                i += take;
                continue;
            }

            byte b = chunk[i++];
            if (!_inLength)
            {
                _inLength = true;
                _length = _lengthBytes = 0;
                continue;
            }

            _length |= (b & 0x7F) << (7 * _lengthBytes++);
            if ((b & 0x80) != 0)
            {
                if (_lengthBytes == 4)
                {
                    return false;
                }

                continue;
            }

            if (_length > MaxRemaining)
            {
                return false;
            }

            _inLength = false;
            _remaining = _length;
            Packets++;
        }

        return true;
    }
}
