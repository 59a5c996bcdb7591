using System.Diagnostics;
using EdgeAgent.Core.Audio;

namespace EdgeAgent.Benchmarks;

/// <summary>The benchmark's input: 60 s at 16 kHz with about 30% speech (espeak-ng phrases between quiet pink noise).</summary>
internal static class BenchAudio
{
    private static readonly string[] s_phrases =
    [
        "hey jarvis", "the meeting starts at nine tomorrow", "alexa", "please open the front door",
        "what's the weather like", "turn left at the next corner", "set a timer for five minutes", "my favourite colour is green",
    ];

    public static string Ensure(string directory)
    {
        string path = Path.Combine(directory, "bench-60s.wav");
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(directory);
        var parts = new List<string>();
        for (int i = 0; i < s_phrases.Length; i++)
        {
            string speech = Path.Combine(directory, $"p{i}.wav");
            Run("espeak-ng", "-v", i % 2 == 0 ? "en-us" : "en-gb-x-rp", "-s", "140", "-w", speech + ".raw.wav", s_phrases[i]);
            Run("sox", speech + ".raw.wav", "-r", "16000", "-c", "1", "-b", "16", speech);
            parts.Add(speech);
        }

        // Speech as a whole ~18 s of 60: pad the rest with quiet room noise.
        double speechSec = parts.Sum(Duration);
        double gap = (60 - speechSec) / parts.Count;
        string noise = Path.Combine(directory, "gap.wav");
        Run("sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", noise, "synth", gap.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), "pinknoise", "vol", "0.003");
        var args = new List<string> { "-R" };
        foreach (string p in parts)
        {
            args.Add(noise);
            args.Add(p);
        }

        args.AddRange([path, "trim", "0", "60"]);
        Run("sox", [.. args]);
        return path;
    }

    private static double Duration(string path)
    {
        using WavReader reader = WavReader.Open(path);
        return reader.DurationSeconds;
    }

    private static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed: {err}");
        }
    }
}
