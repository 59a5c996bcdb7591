namespace EdgeAgent.Speech.Streaming;

/// <summary>The shape of one NCHW tensor of the embedding chain (batch 1): channels, time rows, width (the mel axis).</summary>
internal readonly record struct ChainShape(int Channels, int Rows, int Width)
{
    public int Values => Channels * Rows * Width;

    public long[] Dimensions => [1, Channels, Rows, Width];

    public ChainShape WithRows(int rows) => this with { Rows = rows };

    public override string ToString() => $"[1,{Channels},{Rows},{Width}]";
}
