using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using EdgeAgent.Drift.Profiles;

namespace EdgeCloud.Tests.Mqtt;

/// <summary>Hand-made MQTT 3.1.1 packets and profile bodies, for clients that break the rules on purpose.</summary>
internal static class RawMqtt
{
    /// <summary>A CONNECT with clean session, username and password, 60 s keep-alive.</summary>
    public static byte[] Connect(string clientId, string username, string password)
    {
        var body = new List<byte>();
        body.AddRange(Text("MQTT"));
        body.Add(4);    // protocol level 3.1.1
        body.Add(0xC2); // username, password, clean session
        body.Add(0);
        body.Add(60);
        body.AddRange(Text(clientId));
        body.AddRange(Text(username));
        body.AddRange(Text(password));
        return [0x10, .. Length(body.Count), .. body];
    }

    /// <summary>The fixed header of a packet of <paramref name="type"/> that declares <paramref name="remaining"/> bytes.</summary>
    public static byte[] Header(byte type, int remaining) => [type, .. Length(remaining)];

    /// <summary>Connects, sends a CONNECT and reads the CONNACK; the socket is left open.</summary>
    public static async Task<(TcpClient Client, byte ReturnCode)> ConnectAsync(int port, string deviceId, string password)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Connect(deviceId, deviceId, password));
        byte[] connack = new byte[4];
        await stream.ReadExactlyAsync(connack);
        return (client, connack[3]);
    }

    /// <summary>
    /// An encoded profile that claims <paramref name="frames"/> frames of which <paramref name="speech"/> speech and is
    /// otherwise empty (the encoder never writes such counts, so it is written here by hand, in the codec's layout).
    /// </summary>
    public static byte[] Profile(ulong frames, ulong speech)
    {
        var body = new List<byte>();
        void Varint(ulong v)
        {
            while (v >= 0x80)
            {
                body.Add((byte)(v | 0x80));
                v >>= 7;
            }

            body.Add((byte)v);
        }

        var empty = new SignalProfile();
        Varint(frames);
        Varint(speech);
        Varint(0);
        Varint(0);
        Varint((ulong)empty.Histograms.Count);
        for (int i = 0; i < empty.Histograms.Count; i++)
        {
            Varint(0); // no non-empty bins
            Varint(0); // no moments
        }

        Varint((ulong)empty.MelBands.Count);
        for (int i = 0; i < empty.MelBands.Count; i++)
        {
            Varint(0);
        }

        Varint(0); // segment, VAD and chunk histograms
        Varint(0);
        Varint(0);
        Varint(0); // keywords
        using var compressed = new MemoryStream();
        using (var brotli = new BrotliStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            brotli.Write(body.ToArray());
        }

        const byte layoutVersion = 1; // the body above is version 1's layout (no dead-input counts, no spread), which still decodes
        return [(byte)'E', (byte)'P', layoutVersion, .. Length(body.Count), .. compressed.ToArray()];
    }

    private static byte[] Text(string s)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        return [(byte)(utf8.Length >> 8), (byte)utf8.Length, .. utf8];
    }

    private static byte[] Length(int value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return [.. bytes];
    }
}
