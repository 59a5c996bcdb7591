using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace EdgeAgent.Speech.Vad;

/// <summary>
/// Silero's exports (v4, v5, v6) hold a whole network per sample rate behind <c>If(sr == 16000)</c>; the agent only ever
/// passes 16 kHz. Loaded as is, ONNX Runtime builds both branches (their weights, kernels and subgraph states): ~8 MiB
/// of anonymous memory per session, against ~1–2 MiB for a 16 kHz-only graph. This fold specialises a model for one
/// sample rate in memory before the session is built: each top-level <c>If</c> whose condition is decided by
/// <c>sr</c> and constants is replaced by the nodes of the branch taken, the other branch is dropped, and the
/// <c>sr</c> input goes when nothing reads it any more. The same nodes run on the same weights, so the outputs do not
/// change. A graph without that shape is left alone (the caller loads the file as it is); the store still verifies the
/// file's sha256, the fold is never written anywhere.
/// </summary>
public static class SampleRateFold
{
    private const string SampleRateInput = "sr";

    /// <summary>
    /// The model specialised for <paramref name="sampleRate"/>, or null when its graph has no <c>sr</c> input or no
    /// branch decided by it (nothing to fold).
    /// </summary>
    public static byte[]? Fold(byte[] model, long sampleRate)
    {
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException)
        {
            return null; // ONNX Runtime names the problem when it loads the file itself
        }

        return Fold(proto, sampleRate) ? proto.ToByteArray() : null;
    }

    /// <summary>Folds <paramref name="model"/> in place; false when there was nothing to fold (the model is unchanged).</summary>
    public static bool Fold(ModelProto model, long sampleRate)
    {
        GraphProto graph = model.Graph;
        if (graph is null || !graph.Input.Any(i => i.Name == SampleRateInput))
        {
            return false;
        }

        // Values known before running: sr, and every small integer constant (Constant nodes, initializers).
        var known = new Dictionary<string, long[]>(StringComparer.Ordinal) { [SampleRateInput] = [sampleRate] };
        foreach (TensorProto init in graph.Initializer)
        {
            if (Integers(init) is { } values)
            {
                known[init.Name] = values;
            }
        }

        var decided = new Dictionary<string, bool>(StringComparer.Ordinal);
        var folded = new List<NodeProto>(graph.Node.Count);
        bool changed = false;
        foreach (NodeProto node in graph.Node)
        {
            switch (node.OpType)
            {
                case "Constant" when node.Output.Count == 1 && node.Attribute.FirstOrDefault(a => a.Name == "value") is { T: { } t } && Integers(t) is { } values:
                    known[node.Output[0]] = values;
                    folded.Add(node);
                    break;
                case "Equal" when node.Input.Count == 2 && known.TryGetValue(node.Input[0], out long[]? a) && known.TryGetValue(node.Input[1], out long[]? b) && a.Length == 1 && b.Length == 1:
                    decided[node.Output[0]] = a[0] == b[0];
                    folded.Add(node); // kept until it is known that nothing else reads it
                    break;
                case "If" when node.Input.Count == 1 && decided.TryGetValue(node.Input[0], out bool condition)
                    && node.Attribute.FirstOrDefault(a => a.Name == (condition ? "then_branch" : "else_branch"))?.G is { } branch
                    && Inline(graph, node, branch, folded):
                    changed = true;
                    break;
                default:
                    folded.Add(node);
                    break;
            }
        }

        if (!changed)
        {
            return false;
        }

        // Drop the conditions nobody reads now, then the sr input if nothing reads it either.
        bool Decided(NodeProto n) => n.OpType == "Equal" && decided.ContainsKey(n.Output[0]);
        HashSet<string> read = Reads(folded.Where(n => !Decided(n)), graph);
        folded.RemoveAll(n => Decided(n) && !read.Contains(n.Output[0]));
        graph.Node.Clear();
        graph.Node.AddRange(folded);
        if (!Reads(folded, graph).Contains(SampleRateInput))
        {
            graph.Input.Remove(graph.Input.First(i => i.Name == SampleRateInput));
        }

        return true;
    }

    /// <summary>
    /// Appends <paramref name="branch"/>'s nodes to <paramref name="into"/> in place of <paramref name="ifNode"/>, its
    /// outputs renamed through Identity nodes to the If's outputs. False (nothing appended) when a name of the branch
    /// would collide with one of the graph's.
    /// </summary>
    private static bool Inline(GraphProto graph, NodeProto ifNode, GraphProto branch, List<NodeProto> into)
    {
        if (branch.Output.Count != ifNode.Output.Count)
        {
            return false;
        }

        var outer = new HashSet<string>(graph.Initializer.Select(i => i.Name), StringComparer.Ordinal);
        outer.UnionWith(graph.Input.Select(i => i.Name));
        foreach (NodeProto node in graph.Node.Concat(into)) // into: an earlier If's inlined nodes too
        {
            outer.UnionWith(node.Output);
        }

        if (branch.Initializer.Any(i => outer.Contains(i.Name)) || branch.Node.SelectMany(n => n.Output).Any(outer.Contains))
        {
            return false;
        }

        graph.Initializer.AddRange(branch.Initializer);
        graph.ValueInfo.AddRange(branch.ValueInfo);
        into.AddRange(branch.Node);
        for (int i = 0; i < branch.Output.Count; i++)
        {
            var identity = new NodeProto { OpType = "Identity", Name = $"{ifNode.Name}/folded_output_{i}" };
            identity.Input.Add(branch.Output[i].Name);
            identity.Output.Add(ifNode.Output[i]);
            into.Add(identity);
        }

        return true;
    }

    /// <summary>Every value name <paramref name="nodes"/> or the graph's outputs read.</summary>
    private static HashSet<string> Reads(IEnumerable<NodeProto> nodes, GraphProto graph)
    {
        var read = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (NodeProto node in nodes)
        {
            CollectReads(node, read);
        }

        return read;
    }

    /// <summary>Every value name a node reads, its subgraphs' reads included (they may read the outer scope).</summary>
    private static void CollectReads(NodeProto node, HashSet<string> read)
    {
        read.UnionWith(node.Input);
        foreach (AttributeProto attribute in node.Attribute)
        {
            if (attribute.G is { } g)
            {
                foreach (NodeProto inner in g.Node)
                {
                    CollectReads(inner, read);
                }
            }

            foreach (GraphProto gs in attribute.Graphs)
            {
                foreach (NodeProto inner in gs.Node)
                {
                    CollectReads(inner, read);
                }
            }
        }
    }

    /// <summary>The values of a small integer tensor (at most 16 elements), or null.</summary>
    private static long[]? Integers(TensorProto t)
    {
        const int maxElements = 16;
        long count = t.Dims.Aggregate(1L, (n, d) => n * d);
        if (count > maxElements)
        {
            return null;
        }

        switch ((TensorProto.Types.DataType)t.DataType)
        {
            case TensorProto.Types.DataType.Int64 when t.Int64Data.Count == count:
                return t.Int64Data.ToArray();
            case TensorProto.Types.DataType.Int64 when t.RawData.Length == count * sizeof(long):
                return Enumerable.Range(0, (int)count).Select(i => BinaryPrimitives.ReadInt64LittleEndian(t.RawData.Span[(i * sizeof(long))..])).ToArray();
            case TensorProto.Types.DataType.Int32 when t.Int32Data.Count == count:
                return t.Int32Data.Select(v => (long)v).ToArray();
            case TensorProto.Types.DataType.Int32 when t.RawData.Length == count * sizeof(int):
                return Enumerable.Range(0, (int)count).Select(i => (long)BinaryPrimitives.ReadInt32LittleEndian(t.RawData.Span[(i * sizeof(int))..])).ToArray();
            default:
                return null;
        }
    }
}
