using System.Diagnostics.Metrics;

namespace EdgeAgent.Core.Audio;

/// <summary>Metrics of the audio layer (meter <c>EdgeAgent.Audio</c>).</summary>
public static class AudioInstruments
{
    public const string MeterName = "EdgeAgent.Audio";

    private static readonly Meter s_meter = new(MeterName);

    public static Counter<long> Overruns { get; } =
        s_meter.CreateCounter<long>("edgeagent.audio.overruns", "{frame}", "Frames dropped because the pipeline fell behind.");

    public static Counter<long> Faults { get; } =
        s_meter.CreateCounter<long>("edgeagent.audio.faults", "{fault}", "Audio source failures (device lost, read error).");
}
