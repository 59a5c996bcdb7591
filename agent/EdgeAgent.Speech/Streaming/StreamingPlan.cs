using Google.Protobuf;
using Onnx;

namespace EdgeAgent.Speech.Streaming;

/// <summary>
/// The embedding chain cut into stages (<see cref="StreamingCuts"/>), each an ONNX model of its layers over just the
/// rows a window step needs. The surgery is deterministic: the same file gives the same stage models.
/// </summary>
internal sealed class StreamingPlan
{
    private const int FloatType = 1;

    private StreamingPlan(EmbeddingChain chain, IReadOnlyList<StreamingStage> stages)
    {
        Chain = chain;
        Stages = stages;
    }

    public EmbeddingChain Chain { get; }

    public IReadOnlyList<StreamingStage> Stages { get; }

    public static StreamingPlan Create(EmbeddingChain chain, StreamingCuts cuts)
    {
        IReadOnlyList<ChainLayer> layers = chain.Layers;
        var starts = new List<int> { 0 };
        for (int i = 1; i < layers.Count; i++)
        {
            bool cut = cuts switch
            {
                StreamingCuts.Minimal => layers[i].TimeKernel > layers[i].TimeStride,
                StreamingCuts.TimePools => layers[i - 1].TimeStride > 1,
                _ => throw new ArgumentOutOfRangeException(nameof(cuts), cuts, null),
            };
            if (cut)
            {
                starts.Add(i);
            }
        }

        var stages = new List<StreamingStage>();
        for (int s = 0; s < starts.Count; s++)
        {
            int from = starts[s];
            int to = s + 1 < starts.Count ? starts[s + 1] : layers.Count; // exclusive
            ChainLayer end = layers[to - 1];
            int rows = end.NewRows;
            for (int i = to - 1; i >= from; i--)
            {
                rows = layers[i].InputRows(rows);
            }

            ChainShape full = from == 0 ? chain.Input : layers[from - 1].Output;
            string inputName = from == 0 ? chain.ChainInput : layers[from - 1].OutputName;
            var input = full.WithRows(rows);
            var output = end.Output.WithRows(end.NewRows);
            byte[] model = StageModel(chain, layers.Skip(from).Take(to - from).ToList(), inputName, input, end.OutputName, output, s);
            stages.Add(new StreamingStage(model, inputName, end.OutputName, input, output));
        }

        return new StreamingPlan(chain, stages);
    }

    private static byte[] StageModel(EmbeddingChain chain, List<ChainLayer> layers, string inputName, ChainShape input, string outputName, ChainShape output, int index)
    {
        ModelProto source = chain.Model;
        var graph = new GraphProto { Name = $"{source.Graph.Name}-stage{index}" };
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (ChainLayer layer in layers)
        {
            graph.Node.Add(layer.Node.Clone());
            used.UnionWith(layer.Node.Input.Skip(1));
        }

        graph.Initializer.AddRange(source.Graph.Initializer.Where(t => used.Contains(t.Name)).Select(t => t.Clone()));
        graph.Input.Add(Value(inputName, input.Dimensions));
        graph.Output.Add(Value(outputName, output.Dimensions));
        var model = new ModelProto
        {
            IrVersion = source.IrVersion,
            ProducerName = "edgeagent-streaming",
            Graph = graph,
        };
        model.OpsetImport.AddRange(source.OpsetImport.Select(o => o.Clone()));
        return model.ToByteArray();
    }

    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
        {
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape } },
        };
    }
}
