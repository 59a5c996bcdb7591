namespace EdgeAgent.Core.Audio;

/// <summary>The shape of interleaved float samples an <see cref="IAudioSource"/> delivers.</summary>
public readonly record struct AudioFormat(int SampleRate, int Channels)
{
    /// <summary>The rate every model in the pipeline runs at.</summary>
    public const int PipelineRate = 16_000;

    public static AudioFormat Pipeline => new(PipelineRate, 1);

    public override string ToString() => $"{SampleRate} Hz, {Channels} ch";
}
