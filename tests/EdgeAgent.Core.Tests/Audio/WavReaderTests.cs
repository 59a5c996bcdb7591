using EdgeAgent.Core.Audio;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Core.Tests.Audio;

public sealed class WavReaderTests
{
    // A 440 Hz tone, 1 s, in every encoding sox writes; each must decode to the same tone.
    public static TheoryData<string, string[]> Encodings => new()
    {
        { "u8", ["-e", "unsigned-integer", "-b", "8"] },
        { "s16", ["-e", "signed-integer", "-b", "16"] },
        { "s24", ["-e", "signed-integer", "-b", "24"] },
        { "s32", ["-e", "signed-integer", "-b", "32"] },
        { "f32", ["-e", "floating-point", "-b", "32"] },
        { "f64", ["-e", "floating-point", "-b", "64"] },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void ReadAll_EveryEncoding_DecodesTheSameTone(string name, string[] encoding)
    {
        float[] reference = Decode("f64", ["-e", "floating-point", "-b", "64"], out _);

        float[] samples = Decode(name, encoding, out AudioFormat format);

        Assert.Equal(new AudioFormat(16000, 1), format);
        Assert.Equal(16000, samples.Length);
        // Within about one quantisation step (sox dithers when it reduces the bit depth).
        float tolerance = name == "u8" ? 0.012f : name == "s16" ? 0.0001f : 0.000001f;
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.True(Math.Abs(samples[i] - reference[i]) <= tolerance, $"{name}: sample {i} is {samples[i]}, expected {reference[i]}");
        }

        double rms = Math.Sqrt(reference.Average(x => (double)x * x));
        Assert.InRange(rms, 0.35, 0.36); // a 0.5 amplitude sine
    }

    private static float[] Decode(string name, string[] encoding, out AudioFormat format)
    {
        string path = SpeechCorpus.Make($"tone-{name}.wav", p => SpeechCorpus.Sox(["-n", "-r", "16000", "-c", "1", .. encoding, p, "synth", "1", "sine", "440", "vol", "0.5"]));
        using WavReader reader = WavReader.Open(path);
        format = reader.Format;
        return reader.ReadAll();
    }

    [Theory]
    [InlineData(8000, 1)]
    [InlineData(22050, 2)]
    [InlineData(44100, 6)]
    [InlineData(48000, 2)]
    public void Read_RatesAndChannels_ReportTheFormat(int rate, int channels)
    {
        string path = SpeechCorpus.Make($"tone-{rate}-{channels}.wav", p => SpeechCorpus.Sox("-n", "-r", $"{rate}", "-c", $"{channels}", "-b", "16", p, "synth", "0.5", "sine", "440"));

        using WavReader reader = WavReader.Open(path);

        Assert.Equal(new AudioFormat(rate, channels), reader.Format);
        Assert.Equal(rate / 2, reader.ReadAll().Length / channels);
    }

    [Fact]
    public void Open_WaveFormatExtensible_Decodes()
    {
        // sox writes WAVE_FORMAT_EXTENSIBLE for more than two channels and for 24-bit.
        string path = SpeechCorpus.Make("tone-ext-24-4ch.wav", p => SpeechCorpus.Sox("-n", "-r", "16000", "-c", "4", "-b", "24", p, "synth", "0.25", "sine", "440"));
        Assert.Equal(0xFFFE, BitConverter.ToUInt16(File.ReadAllBytes(path), 20));

        using WavReader reader = WavReader.Open(path);

        Assert.Equal(new AudioFormat(16000, 4), reader.Format);
        Assert.Equal(4000 * 4, reader.ReadAll().Length);
    }

    [Theory]
    [InlineData("empty", new byte[0], "shorter than a RIFF header")]
    [InlineData("text", new byte[] { 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x21, 0x21 }, "no RIFF/WAVE header")]
    public void Open_NotAWav_FailsNamingTheFile(string name, byte[] content, string problem)
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), name + ".wav");
        File.WriteAllBytes(path, content);

        var ex = Assert.Throws<AudioSourceException>(() => WavReader.Open(path));

        Assert.StartsWith(path + ": ", ex.Message);
        Assert.Contains(problem, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Open_TruncatedData_FailsWithTruncated()
    {
        string good = SpeechCorpus.Make("tone-s16.wav", p => SpeechCorpus.Sox("-n", "-r", "16000", "-c", "1", "-e", "signed-integer", "-b", "16", p, "synth", "1", "sine", "440", "vol", "0.5"));
        string path = Path.Combine(TestPaths.NewTempDirectory(), "cut.wav");
        byte[] bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var ex = Assert.Throws<AudioSourceException>(() => WavReader.Open(path));

        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void Open_HeaderOnly_FailsWithNoDataChunk()
    {
        string good = SpeechCorpus.Make("tone-s16.wav", p => SpeechCorpus.Sox("-n", "-r", "16000", "-c", "1", "-e", "signed-integer", "-b", "16", p, "synth", "1", "sine", "440", "vol", "0.5"));
        string path = Path.Combine(TestPaths.NewTempDirectory(), "header.wav");
        File.WriteAllBytes(path, File.ReadAllBytes(good)[..36]);

        var ex = Assert.Throws<AudioSourceException>(() => WavReader.Open(path));

        Assert.Contains("no 'data' chunk", ex.Message);
    }

    [Fact]
    public void Open_UnsupportedEncoding_NamesIt()
    {
        string path = SpeechCorpus.Make("tone-alaw.wav", p => SpeechCorpus.Sox("-n", "-r", "8000", "-c", "1", "-e", "a-law", p, "synth", "0.2", "sine", "440"));

        var ex = Assert.Throws<AudioSourceException>(() => WavReader.Open(path));

        Assert.Contains("unsupported encoding: format tag 0x0006", ex.Message);
    }

    [Fact]
    public void Open_MissingFile_FailsNamingIt()
    {
        var ex = Assert.Throws<AudioSourceException>(() => WavReader.Open("/nonexistent/x.wav"));

        Assert.StartsWith("/nonexistent/x.wav: cannot open", ex.Message);
    }
}
