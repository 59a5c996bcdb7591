using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Core.Keywords;

public sealed class KeywordTriggerOptions
{
    /// <summary>A head's score at or above this fires.</summary>
    [Range(0.01, 0.999)]
    public float Threshold { get; set; } = 0.5f;

    /// <summary>After a detection the same keyword stays quiet this long, so one utterance gives one detection.</summary>
    [Range(0, 60_000)]
    public int RefractoryMs { get; set; } = 2_000;

    /// <summary>
    /// 80 ms chunks after a reset whose scores are ignored: the mel window starts at all ones, and until it has
    /// filled with real audio (76 frames, ~0.8 s) loud low-frequency noise can make a head fire.
    /// </summary>
    [Range(0, 100)]
    public int WarmupChunks { get; set; } = 12;
}
