using System.Buffers.Binary;
using System.Globalization;

namespace EdgeAgent.TestSupport;

/// <summary>
/// Audio for the drift scenarios: a reference from two voices and ten sentences, and "current" speech from two other
/// voices, other sentences and other speeds, all with a quiet room tone and 12 dB below espeak-ng's level (a realistic
/// microphone level), then transformed with sox into each scenario. sox runs repeatable and without dither, so a dead
/// microphone is true digital silence.
/// </summary>
public static class DriftCorpus
{
    private static readonly string[] s_referenceSentences =
    [
        "the quick brown fox jumps over the lazy dog", "please open the front door", "the meeting starts at nine tomorrow",
        "turn left at the next corner", "my favourite colour is green", "we will need more coffee for the morning shift",
        "the train to the city leaves at half past seven", "can you check the temperature in the server room",
        "hey jarvis", "set a timer for five minutes",
    ];

    private static readonly string[] s_currentSentences =
    [
        "i would like a window seat on the next flight", "the parcel arrived damaged this afternoon",
        "switch off the lights in the hallway", "our team meets every thursday at noon", "the library closes early on sundays",
        "send the report before the end of the week", "there is a small bakery around the corner", "remember to water the plants",
        "alexa", "what's the weather like",
    ];

    /// <summary>Scenario name → sox effects applied to the clean current speech (null: made otherwise).</summary>
    public static IReadOnlyDictionary<string, string[]> Scenarios { get; } = new Dictionary<string, string[]>
    {
        ["clean"] = [],
        ["new-mic-lowpass-3k4"] = ["sinc", "-3400"],
        ["tinny-mic-highpass-400"] = ["sinc", "400"],
        ["gain-minus-12db"] = ["gain", "-12"],
        ["gain-plus-10db"] = ["gain", "10"],
        ["noise-10db-snr"] = [],
        ["hard-clipping"] = ["gain", "20", "gain", "-20"],
        ["dc-offset"] = ["dcshift", "0.05"],
        ["hum-50hz"] = [],
        ["hum-60hz"] = [],
        ["dead-microphone"] = [],
        ["dropouts"] = [],
        ["stuck-value"] = [],
        ["converter-noise"] = [],
        ["telephone-8k"] = [],
    };

    public static string Reference => SpeechCorpus.Make("drift-reference.wav", path =>
        Concat(path, Speak("en-us", 140, s_referenceSentences), Speak("en-gb-x-rp", 150, s_referenceSentences)));

    public static string CleanCurrent => SpeechCorpus.Make("drift-current-clean.wav", path =>
        Concat(path, Speak("en-gb+f2", 160, s_currentSentences), Speak("en-gb+m3", 130, s_currentSentences)));

    /// <summary>About 19 s of speech: less than the evidence the speech features need.</summary>
    public static string ShortCurrent => SpeechCorpus.Make("drift-current-short.wav", path => File.Copy(Speak("en-gb+f2", 160, s_currentSentences), path));

    public static string Scenario(string name) => SpeechCorpus.Make($"drift-{name}.wav", path =>
    {
        string clean = CleanCurrent;
        string seconds = Seconds(clean);
        switch (name)
        {
            case "noise-10db-snr":
                Mix(clean, path, "pinknoise", seconds, "0.033"); // speech level − noise floor ≈ 10 dB
                break;
            case "hum-50hz":
                Mix(clean, path, "sine 50", seconds, "0.02");
                break;
            case "hum-60hz":
                Mix(clean, path, "sine 60", seconds, "0.02");
                break;
            case "dead-microphone":
                Sox("-n", "-r", "16000", "-c", "1", "-b", "16", path, "trim", "0", seconds);
                break;
            case "dropouts":
                Dropouts(clean, path);
                break;
            case "stuck-value":
                Samples(clean, path, _ => 4096); // the converter's output stuck at +0.125 FS
                break;
            case "converter-noise":
                var rng = new Random(12);
                Samples(clean, path, _ => (short)(rng.Next(2) - rng.Next(2))); // ±1 LSB triangular dither, no signal
                break;
            case "telephone-8k":
                string narrow = path + ".8k.wav";
                Sox(clean, "-r", "8000", narrow);
                Sox(narrow, "-r", "16000", path);
                File.Delete(narrow);
                break;
            default:
                Sox([clean, path, .. Scenarios[name]]);
                break;
        }
    });

    private static string Speak(string voice, int speed, string[] sentences)
    {
        return SpeechCorpus.Make($"drift-speech-{voice.Replace('+', '_')}-{speed}-{sentences.Length}-{sentences[0].Length}.wav", path =>
        {
            var parts = new List<string>();
            for (int i = 0; i < sentences.Length; i++)
            {
                string raw = $"{path}.{i}.raw.wav", part = $"{path}.{i}.wav";
                ExternalTool.Check("espeak-ng", "-v", voice, "-s", speed.ToString(CultureInfo.InvariantCulture), "-w", raw, sentences[i]);
                Sox(raw, "-r", "16000", "-c", "1", "-b", "16", part, "pad", "0.7", "0.7", "gain", "-12");
                File.Delete(raw);
                parts.Add(part);
            }

            string speech = path + ".speech.wav";
            Sox([.. parts, speech]);
            Mix(speech, path, "pinknoise", Seconds(speech), "0.003"); // room tone
            File.Delete(speech);
            parts.ForEach(File.Delete);
        });
    }

    private static void Concat(string path, params string[] parts) => Sox([.. parts, path]);

    private static void Mix(string input, string output, string synth, string seconds, string volume)
    {
        string other = output + ".mix.wav";
        Sox(["-n", "-r", "16000", "-c", "1", "-b", "16", other, "synth", seconds, .. synth.Split(' '), "vol", volume]);
        Sox("-m", "-v", "1", input, "-v", "1", other, output);
        File.Delete(other);
    }

    /// <summary>160 ms of digital silence every second.</summary>
    private static void Dropouts(string input, string output)
    {
        byte[] wav = File.ReadAllBytes(input);
        const int header = 44; // sox writes a plain 44-byte header for 16-bit mono PCM
        for (int start = header; start < wav.Length; start += 2 * 16_000)
        {
            Array.Clear(wav, start, Math.Min(2 * 2560, wav.Length - start));
        }

        File.WriteAllBytes(output, wav);
    }

    /// <summary>The input's header and length with every sample replaced (a dead input behind a live converter).</summary>
    private static void Samples(string input, string output, Func<int, short> sample)
    {
        byte[] wav = File.ReadAllBytes(input);
        const int header = 44;
        for (int i = header; i + 1 < wav.Length; i += 2)
        {
            BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(i), sample((i - header) / 2));
        }

        File.WriteAllBytes(output, wav);
    }

    private static string Seconds(string path)
    {
        using Core.Audio.WavReader reader = Core.Audio.WavReader.Open(path);
        return reader.DurationSeconds.ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>sox, repeatable and without dither.</summary>
    private static void Sox(params string[] args) => SpeechCorpus.Sox(["-D", .. args]);
}
