using System.Globalization;

namespace EdgeAgent.Core.Audio;

/// <summary>
/// Parses the agent's source setting: <c>alsa:&lt;device&gt;</c>, <c>wav:&lt;path&gt;[?loop=true&amp;realtime=true]</c>
/// or <c>stdin:&lt;rate&gt;:&lt;channels&gt;</c> (signed 16-bit little-endian).
/// </summary>
public static class AudioSourceSpec
{
    public const string Help = "expected alsa:<device>, wav:<path>[?loop=true&realtime=true] or stdin:<rate>:<channels>";

    /// <exception cref="FormatException">The text is not a valid source; the message says why.</exception>
    public static IAudioSource Create(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        string scheme = colon < 0 ? spec : spec[..colon];
        string rest = colon < 0 ? "" : spec[(colon + 1)..];
        switch (scheme)
        {
            case "alsa":
                return new AlsaSource(rest.Length == 0 ? "default" : rest);
            case "wav":
                return CreateWav(spec, rest);
            case "stdin":
                string[] parts = rest.Split(':');
                if (parts.Length != 2
                    || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int rate)
                    || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int channels)
                    || rate is < 1000 or > 768_000 || channels is < 1 or > 64)
                {
                    throw new FormatException($"audio source '{spec}': stdin needs a rate (1000-768000) and channels (1-64), e.g. stdin:16000:1");
                }

                return RawPcmSource.StandardInput(new AudioFormat(rate, channels));
            default:
                throw new FormatException($"audio source '{spec}': unknown kind '{scheme}'; {Help}");
        }
    }

    private static WavFileSource CreateWav(string spec, string rest)
    {
        int q = rest.IndexOf('?', StringComparison.Ordinal);
        string path = q < 0 ? rest : rest[..q];
        if (path.Length == 0)
        {
            throw new FormatException($"audio source '{spec}': no file path; {Help}");
        }

        bool loop = false, realtime = false;
        if (q >= 0)
        {
            foreach (string pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] kv = pair.Split('=', 2);
                if (kv.Length != 2 || !bool.TryParse(kv[1], out bool value))
                {
                    throw new FormatException($"audio source '{spec}': option '{pair}' must be name=true|false");
                }

                switch (kv[0])
                {
                    case "loop":
                        loop = value;
                        break;
                    case "realtime":
                        realtime = value;
                        break;
                    default:
                        throw new FormatException($"audio source '{spec}': unknown option '{kv[0]}' (loop, realtime)");
                }
            }
        }

        return new WavFileSource(path, loop, realtime);
    }
}
