namespace EdgeAgent.Speech.Streaming;

/// <summary>Where the embedding chain is cut into stages (each stage one small session with a cached input).</summary>
public enum StreamingCuts
{
    /// <summary>
    /// Before every layer that reads more time rows than it moves by (the 3×1 convolutions): each layer computes only its
    /// new rows, nothing is computed twice, one session per such layer.
    /// </summary>
    Minimal,

    /// <summary>After every pool that strides along time: four stages, each recomputing its inner layers' context rows.</summary>
    TimePools,
}
