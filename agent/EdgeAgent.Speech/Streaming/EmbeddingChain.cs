using Google.Protobuf;
using Onnx;

namespace EdgeAgent.Speech.Streaming;

/// <summary>
/// The openWakeWord embedding graph read as the chain streaming evaluation needs: a Reshape of the input
/// <c>[B, T, M, 1]</c> to NCHW <c>[B, 1, T, M]</c>, then single-input convolutions (time stride 1, no time padding),
/// max pools and element-wise activations, each feeding only the next, down to one time row, and a Reshape to
/// <c>[B, 1, 1, D]</c>. Along time every layer is a valid convolution or pool, so a window that moves by
/// <c>windowStep</c> frames adds <see cref="ChainLayer.NewRows"/> rows to each layer and keeps the others.
/// Anything else is refused with a <see cref="StreamingGraphException"/> naming the node and the problem.
/// </summary>
internal sealed class EmbeddingChain
{
    private const int FloatType = 1;
    private const int Int64Type = 7;

    private EmbeddingChain(ModelProto model, string inputName, string chainInput, ChainShape input, IReadOnlyList<ChainLayer> layers, int embeddingSize, int windowStep)
    {
        Model = model;
        WindowStep = windowStep;
        InputName = inputName;
        ChainInput = chainInput;
        Input = input;
        Layers = layers;
        EmbeddingSize = embeddingSize;
    }

    public ModelProto Model { get; }

    /// <summary>The graph's input (<c>[B, T, M, 1]</c>).</summary>
    public string InputName { get; }

    /// <summary>The NCHW tensor the leading Reshape makes of the input: the first layer's input.</summary>
    public string ChainInput { get; }

    /// <summary><c>[1, 1, T, M]</c>: T window frames of M mel bands.</summary>
    public ChainShape Input { get; }

    /// <summary>The layers between the two Reshapes, in order; the last one's output is <c>[1, D, 1, 1]</c>.</summary>
    public IReadOnlyList<ChainLayer> Layers { get; }

    public int EmbeddingSize { get; }

    /// <summary>The frames a window step adds (what <see cref="ChainLayer.NewRows"/> were computed for).</summary>
    public int WindowStep { get; }

    public static EmbeddingChain Read(ModelProto model, int windowFrames, int melBands, int windowStep)
    {
        GraphProto graph = model.Graph ?? throw new StreamingGraphException("the model has no graph");
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1 || graph.Output.Count != 1)
        {
            throw new StreamingGraphException($"expected one input and one output, found {inputs.Count} and {graph.Output.Count}");
        }

        ValueInfoProto input = inputs[0];
        long[] inputDims = Dimensions(input);
        if (input.Type?.TensorType?.ElemType != FloatType || inputDims.Length != 4 || inputDims[1] != windowFrames || inputDims[2] != melBands || inputDims[3] != 1)
        {
            throw new StreamingGraphException($"input {input.Name} is not float [B,{windowFrames},{melBands},1]");
        }

        var consumers = graph.Node.SelectMany(n => n.Input).GroupBy(name => name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        IList<NodeProto> nodes = graph.Node;
        if (nodes.Count < 3)
        {
            throw new StreamingGraphException($"expected Reshape, layers, Reshape; the graph has {nodes.Count} nodes");
        }

        NodeProto first = nodes[0];
        long[] toNchw = ReshapeTarget(first, input.Name, initializers);
        if (toNchw.Length != 4 || toNchw[0] is not (-1 or 0 or 1) || toNchw[1] != 1 || toNchw[2] != windowFrames || toNchw[3] != melBands)
        {
            throw new StreamingGraphException($"node {first.Name}: expected a Reshape of {input.Name} to [-1,1,{windowFrames},{melBands}], got [{string.Join(",", toNchw)}]");
        }

        var chainInput = new ChainShape(1, windowFrames, melBands);
        ChainShape shape = chainInput;
        string current = first.Output[0];
        int newRows = windowStep;
        var layers = new List<ChainLayer>();
        for (int i = 1; i < nodes.Count - 1; i++)
        {
            NodeProto node = nodes[i];
            if (node.Input.Count == 0 || node.Input[0] != current || node.Output.Count != 1)
            {
                throw new StreamingGraphException($"node {node.Name} ({node.OpType}): not a single-output layer reading {current}");
            }

            if (consumers.GetValueOrDefault(current) != 1)
            {
                throw new StreamingGraphException($"tensor {current} feeds {consumers.GetValueOrDefault(current)} nodes; streaming needs a chain");
            }

            foreach (string other in node.Input.Skip(1).Where(n => n.Length > 0 && !initializers.ContainsKey(n)))
            {
                throw new StreamingGraphException($"node {node.Name} ({node.OpType}): input {other} is not a constant");
            }

            (int kernel, int stride, ChainShape output) = node.OpType switch
            {
                "Conv" => Conv(node, shape, initializers),
                "MaxPool" => MaxPool(node, shape),
                "LeakyRelu" or "Relu" => (1, 1, shape),
                "Max" or "Min" when node.Input.Count == 2 && ElementCount(initializers[node.Input[1]]) == 1 => (1, 1, shape),
                _ => throw new StreamingGraphException($"node {node.Name}: {node.OpType} is not a layer streaming can cut"),
            };
            if (output.Rows < 1 || output.Width < 1)
            {
                throw new StreamingGraphException($"node {node.Name} ({node.OpType}): output {output} is empty");
            }

            if (newRows % stride != 0)
            {
                throw new StreamingGraphException($"node {node.Name} ({node.OpType}): the window step of {windowStep} frames is {newRows} rows here, not a multiple of its time stride {stride}");
            }

            newRows /= stride;
            layers.Add(new ChainLayer(node, kernel, stride, output, newRows));
            shape = output;
            current = node.Output[0];
        }

        NodeProto last = nodes[^1];
        long[] toEmbedding = ReshapeTarget(last, current, initializers);
        if (shape.Rows != 1 || shape.Width != 1 || toEmbedding.Length != 4 || toEmbedding[^1] != shape.Channels || toEmbedding[1] != 1 || toEmbedding[2] != 1
            || last.Output[0] != graph.Output[0].Name)
        {
            throw new StreamingGraphException($"node {last.Name}: expected the last layer's [1,D,1,1] (here {shape}) reshaped to the output [B,1,1,D]");
        }

        CheckEveryRowUsed(layers, chainInput);
        return new EmbeddingChain(model, input.Name, first.Output[0], chainInput, layers, shape.Channels, windowStep);
    }

    /// <summary>The window's output row depends on every row of every layer (so the cached rows are exactly a layer's rows).</summary>
    private static void CheckEveryRowUsed(List<ChainLayer> layers, ChainShape input)
    {
        int used = 1;
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            used = layers[i].InputRows(used);
            int rows = i == 0 ? input.Rows : layers[i - 1].Output.Rows;
            if (used != rows)
            {
                throw new StreamingGraphException($"node {layers[i].Node.Name}: the embedding uses {used} of the {rows} rows of its input; streaming needs all of them");
            }
        }
    }

    private static (int Kernel, int Stride, ChainShape Output) Conv(NodeProto node, ChainShape shape, Dictionary<string, TensorProto> initializers)
    {
        TensorProto weights = initializers[node.Input[1]];
        if (weights.DataType != FloatType || weights.Dims.Count != 4 || weights.Dims[1] != shape.Channels)
        {
            throw new StreamingGraphException($"node {node.Name} (Conv): weights [{string.Join(",", weights.Dims)}] do not fit input {shape}");
        }

        int kh = (int)weights.Dims[2], kw = (int)weights.Dims[3];
        CheckCommon(node, [kh, kw]);
        long[] strides = Ints(node, "strides", [1, 1]);
        long[] pads = Ints(node, "pads", [0, 0, 0, 0]);
        if (Int(node, "group", 1) != 1 || strides[0] != 1)
        {
            throw new StreamingGraphException($"node {node.Name} (Conv): needs group 1 and time stride 1");
        }

        if (node.Input.Count == 3 && ElementCount(initializers[node.Input[2]]) != weights.Dims[0])
        {
            throw new StreamingGraphException($"node {node.Name} (Conv): bias does not have {weights.Dims[0]} values");
        }

        int width = (int)((shape.Width + pads[1] + pads[3] - kw) / strides[1]) + 1;
        return (kh, 1, new ChainShape((int)weights.Dims[0], shape.Rows - kh + 1, width));
    }

    private static (int Kernel, int Stride, ChainShape Output) MaxPool(NodeProto node, ChainShape shape)
    {
        long[] kernel = Ints(node, "kernel_shape", []);
        if (kernel.Length != 2)
        {
            throw new StreamingGraphException($"node {node.Name} (MaxPool): needs a 2-D kernel_shape");
        }

        CheckCommon(node, kernel);
        long[] strides = Ints(node, "strides", [1, 1]);
        long[] pads = Ints(node, "pads", [0, 0, 0, 0]);
        if (Int(node, "ceil_mode", 0) != 0)
        {
            throw new StreamingGraphException($"node {node.Name} (MaxPool): ceil_mode is not supported");
        }

        int rows = (int)((shape.Rows - kernel[0]) / strides[0]) + 1;
        int width = (int)((shape.Width + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1;
        return ((int)kernel[0], (int)strides[0], shape with { Rows = rows, Width = width });
    }

    /// <summary>Dilation 1, no time padding, explicit padding only, kernel_shape (if given) as the weights say.</summary>
    private static void CheckCommon(NodeProto node, long[] kernel)
    {
        string autoPad = node.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        long[] pads = Ints(node, "pads", [0, 0, 0, 0]);
        long[] dilations = Ints(node, "dilations", [1, 1]);
        long[] shape = Ints(node, "kernel_shape", kernel);
        if (autoPad is not ("NOTSET" or "VALID" or "") || pads.Length != 4 || pads[0] != 0 || pads[2] != 0 || dilations.Any(d => d != 1)
            || !shape.SequenceEqual(kernel))
        {
            throw new StreamingGraphException($"node {node.Name} ({node.OpType}): needs no time padding, dilation 1 and explicit pads (auto_pad {autoPad}, pads [{string.Join(",", pads)}], dilations [{string.Join(",", dilations)}])");
        }
    }

    private static long[] ReshapeTarget(NodeProto node, string from, Dictionary<string, TensorProto> initializers)
    {
        if (node.OpType != "Reshape" || node.Input.Count != 2 || node.Input[0] != from || !initializers.TryGetValue(node.Input[1], out TensorProto? shape)
            || shape.DataType != Int64Type)
        {
            throw new StreamingGraphException($"node {node.Name} ({node.OpType}): expected a Reshape of {from} to a constant shape");
        }

        return shape.Int64Data.Count > 0
            ? shape.Int64Data.ToArray()
            : Enumerable.Range(0, shape.RawData.Length / 8).Select(i => BitConverter.ToInt64(shape.RawData.Span.Slice(i * 8, 8))).ToArray();
    }

    private static long[] Dimensions(ValueInfoProto value) =>
        value.Type?.TensorType?.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1).ToArray() ?? [];

    private static long ElementCount(TensorProto tensor) => tensor.Dims.Aggregate(1L, (a, d) => a * d);

    private static long[] Ints(NodeProto node, string name, long[] fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.Ints.ToArray() : fallback;

    private static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    /// <summary>Parses a model file's bytes (ONNX protobuf).</summary>
    public static ModelProto Parse(byte[] bytes)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new StreamingGraphException($"not an ONNX model: {ex.Message}", ex);
        }
    }
}
