namespace EdgeAgent.Speech.Streaming;

/// <summary>
/// One stage of the cut chain as its own ONNX model: <see cref="Input"/> holds the last rows of the cut tensor it reads
/// (the new ones and the context its layers need), <see cref="Output"/> the new rows of the tensor it ends at.
/// </summary>
internal sealed record StreamingStage(byte[] Model, string InputName, string OutputName, ChainShape Input, ChainShape Output);
