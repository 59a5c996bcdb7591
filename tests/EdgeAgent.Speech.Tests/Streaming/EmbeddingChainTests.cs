using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Streaming;
using EdgeAgent.TestSupport;
using Google.Protobuf;
using Onnx;

namespace EdgeAgent.Speech.Tests.Streaming;

public sealed class EmbeddingChainTests
{
    [Fact]
    public void Read_RealEmbedding_TheChainTheReadmeDescribes()
    {
        EmbeddingChain chain = Read(Original());

        Assert.Equal(new ChainShape(1, 76, 32), chain.Input);
        Assert.Equal(96, chain.EmbeddingSize);
        Assert.Equal(20, chain.Layers.Count(l => l.Node.OpType == "Conv"));
        // Time: 3×1 (and one 3×3) valid convolutions, three 2×2 pools that stride time, two 1×2 that do not.
        Assert.Equal(11, chain.Layers.Count(l => l.TimeKernel == 3));
        Assert.Equal(3, chain.Layers.Count(l => l.TimeStride == 2));
        Assert.Equal(new ChainShape(96, 1, 1), chain.Layers[^1].Output);
        Assert.Equal(1, chain.Layers[^1].NewRows);
    }

    [Theory]
    [InlineData(StreamingCuts.Minimal, 11)]
    [InlineData(StreamingCuts.TimePools, 4)]
    public void Create_RealEmbedding_StagesComputeOnlyNewRowsPlusContext(StreamingCuts cuts, int stages)
    {
        StreamingPlan plan = StreamingPlan.Create(Read(Original()), cuts);

        Assert.Equal(stages, plan.Stages.Count);
        Assert.Equal(new ChainShape(1, cuts == StreamingCuts.Minimal ? 10 : 12, 32), plan.Stages[0].Input);
        Assert.Equal(96, plan.Stages[^1].Output.Channels);
        Assert.Equal(1, plan.Stages[^1].Output.Rows);
        int sum = plan.Stages.Sum(s => s.Input.Rows);
        Assert.True(sum < 76, $"stages read {sum} rows in all, the whole window 76 at its first layer alone");
        for (int j = 1; j < plan.Stages.Count; j++)
        {
            Assert.Equal(plan.Stages[j - 1].OutputName, plan.Stages[j].InputName);
            Assert.Equal(plan.Stages[j - 1].Output.WithRows(plan.Stages[j].Input.Rows), plan.Stages[j].Input);
        }

        Assert.Equal(StreamingPlan.Create(Read(Original()), cuts).Stages[3].Model, plan.Stages[3].Model); // deterministic
    }

    [Fact]
    public void Read_UnknownOperator_RefusedNamingTheNode()
    {
        ModelProto model = Original();
        NodeProto node = model.Graph.Node.First(n => n.OpType == "LeakyRelu");
        node.OpType = "Sigmoid";

        var ex = Assert.Throws<StreamingGraphException>(() => Read(model));
        Assert.Contains(node.Name, ex.Message);
        Assert.Contains("Sigmoid", ex.Message);
    }

    [Fact]
    public void Read_TimePadding_Refused()
    {
        ModelProto model = Original();
        NodeProto conv = model.Graph.Node.First(n => n.OpType == "Conv" && n.Name.Contains("conv2d_4", StringComparison.Ordinal));
        AttributeProto pads = conv.Attribute.FirstOrDefault(a => a.Name == "pads") ?? new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints };
        pads.Ints.Clear();
        pads.Ints.AddRange([1, 0, 1, 0]);
        if (!conv.Attribute.Contains(pads))
        {
            conv.Attribute.Add(pads);
        }

        var ex = Assert.Throws<StreamingGraphException>(() => Read(model));
        Assert.Contains("no time padding", ex.Message);
    }

    [Fact]
    public void Read_BranchingGraph_Refused()
    {
        ModelProto model = Original();
        // A second reader of one layer's output: the chain would be a graph.
        NodeProto relu = model.Graph.Node.First(n => n.OpType == "LeakyRelu");
        NodeProto max = model.Graph.Node.First(n => n.OpType == "Max");
        max.Input[1] = relu.Output[0];

        var ex = Assert.Throws<StreamingGraphException>(() => Read(model));
        Assert.Contains("streaming needs a chain", ex.Message);
    }

    [Fact]
    public void Read_WindowStepNotAMultipleOfTheStride_Refused()
    {
        var ex = Assert.Throws<StreamingGraphException>(() => EmbeddingChain.Read(Original(), 76, 32, windowStep: 6));
        Assert.Contains("not a multiple of its time stride", ex.Message);
    }

    [Fact]
    public void Read_WrongWindow_Refused()
    {
        var ex = Assert.Throws<StreamingGraphException>(() => EmbeddingChain.Read(Original(), 80, 32, 8));
        Assert.Contains("[B,80,32,1]", ex.Message);
    }

    [Fact]
    public void Parse_NotOnnx_Refused()
    {
        Assert.Throws<StreamingGraphException>(() => EmbeddingChain.Parse([0xff, 0xff, 0xff, 0x01, 0x02]));
    }

    /// <summary>The store's embedding model rewritten by <paramref name="edit"/> and installed in a new store.</summary>
    internal static InstalledModel Rewrite(InstalledModel original, Action<ModelProto> edit)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(original.ModelPath));
        edit(model);
        string dir = TestPaths.NewTempDirectory();
        string file = Path.Combine(dir, "edited.onnx");
        File.WriteAllBytes(file, model.ToByteArray());
        var store = new ModelStore(Path.Combine(dir, "store"));
        return store.Install(file, original.Manifest with { Version = original.Version + "-edited", Sha256 = ModelStore.ComputeSha256(file) });
    }

    private static ModelProto Original() =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestPaths.Models.Find(SpeechModels.EmbeddingName).ModelPath));

    private static EmbeddingChain Read(ModelProto model) => EmbeddingChain.Read(model, 76, 32, 8);
}
