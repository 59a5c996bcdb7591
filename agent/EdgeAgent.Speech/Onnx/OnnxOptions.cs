using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Speech.Onnx;

/// <summary>How ONNX Runtime sessions are created. One intra-op thread per session is right for small devices.</summary>
public sealed class OnnxOptions
{
    [Range(1, 64)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>ORT's CPU arena trades memory for speed; the speech models are small, so it is off by default.</summary>
    public bool CpuMemArena { get; set; }
}
