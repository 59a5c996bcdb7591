using Onnx;

namespace EdgeAgent.Speech.Streaming;

/// <summary>
/// One node of the embedding chain: how it maps time rows (output row j reads input rows j·stride … j·stride + kernel − 1)
/// and its output shape over the whole window. <see cref="NewRows"/>: how many of its output rows a window step adds.
/// </summary>
internal sealed record ChainLayer(NodeProto Node, int TimeKernel, int TimeStride, ChainShape Output, int NewRows)
{
    public string OutputName => Node.Output[0];

    /// <summary>Input rows needed for <paramref name="outputRows"/> consecutive output rows.</summary>
    public int InputRows(int outputRows) => ((outputRows - 1) * TimeStride) + TimeKernel;
}
