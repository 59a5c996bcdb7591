using EdgeAgent.Core.Audio;

namespace EdgeAgent.Core.Tests.Audio;

public sealed class AudioSourceSpecTests
{
    [Theory]
    [InlineData("alsa:hw:1,0", "alsa:hw:1,0", true)]
    [InlineData("alsa:", "alsa:default", true)]
    [InlineData("wav:/tmp/a.wav", "wav:/tmp/a.wav", false)]
    [InlineData("wav:/tmp/a.wav?loop=true&realtime=true", "wav:/tmp/a.wav", true)]
    [InlineData("stdin:48000:2", "stdin:48000:2", false)]
    public void Create_ValidSpec_BuildsTheSource(string spec, string description, bool live)
    {
        using IAudioSource source = AudioSourceSpec.Create(spec);

        Assert.Equal(description, source.Description);
        Assert.Equal(live, source.IsLive);
    }

    [Theory]
    [InlineData("mic:0", "unknown kind 'mic'")]
    [InlineData("wav:", "no file path")]
    [InlineData("wav:/a.wav?speed=2", "option 'speed=2'")]
    [InlineData("wav:/a.wav?fast=true", "unknown option 'fast'")]
    [InlineData("stdin:16000", "stdin needs a rate")]
    [InlineData("stdin:abc:1", "stdin needs a rate")]
    [InlineData("stdin:16000:0", "stdin needs a rate")]
    public void Create_InvalidSpec_SaysWhatIsWrong(string spec, string problem)
    {
        var ex = Assert.Throws<FormatException>(() => AudioSourceSpec.Create(spec));

        Assert.Contains(problem, ex.Message);
        Assert.Contains(spec, ex.Message);
    }
}
