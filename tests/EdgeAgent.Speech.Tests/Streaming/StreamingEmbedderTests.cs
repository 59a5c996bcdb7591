using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Keywords;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Streaming;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Streaming;

[Trait("Category", "Integration")]
public sealed class StreamingEmbedderTests(ITestOutputHelper output)
{
    private const int Embedding = WakeWordFeatures.EmbeddingSize;
    private const int Backfill = 16;

    [Theory]
    [InlineData(StreamingCuts.Minimal)]
    [InlineData(StreamingCuts.TimePools)]
    public void ComputeCurrent_LongRealClip_StreamedEqualsWholeWindow(StreamingCuts cuts)
    {
        float[][] chunks = LongClipChunks();
        using WakeWordFeatures whole = Features(null);
        using WakeWordFeatures streamed = Features(cuts);
        Assert.True(streamed.Streaming, streamed.StreamingFallback);

        float delta = Compare(whole, streamed, chunks);

        output.WriteLine($"{cuts}: {chunks.Length} chunks, max |Δ| {delta:G3}, {streamed.StreamedWindows} steps, {streamed.FullWindows} rebuilt windows");
        Assert.True(delta <= WakeWordFeatures.StreamingTolerance, $"max |Δ| {delta}");
        Assert.Equal(1, streamed.FullWindows);
        Assert.Equal(chunks.Length - 1, streamed.StreamedWindows);
    }

    [Fact]
    public void Reset_ThenTheSameAudio_StreamRebuiltAndStillEqual()
    {
        float[][] chunks = LongClipChunks()[..120];
        using WakeWordFeatures whole = Features(null);
        using WakeWordFeatures streamed = Features(StreamingCuts.Minimal);
        float first = Compare(whole, streamed, chunks);
        whole.Reset();
        streamed.Reset();
        float second = Compare(whole, streamed, chunks);

        Assert.True(Math.Max(first, second) <= WakeWordFeatures.StreamingTolerance, $"max |Δ| {first} then {second}");
        Assert.Equal(2, streamed.FullWindows); // one after each reset: the all-ones window does not follow the last one
    }

    [Fact]
    public void ComputeSeed_Streaming_SameSeedAsWholeWindowAndChecked()
    {
        using WakeWordFeatures whole = Features(null);
        using WakeWordFeatures streamed = Features(StreamingCuts.Minimal);
        float[] expected = whole.ComputeSeed(41);
        float[] actual = streamed.ComputeSeed(41);

        Assert.Equal(41 * Embedding, actual.Length);
        Assert.True(streamed.Streaming, streamed.StreamingFallback);
        Assert.True(streamed.StreamingSeedDelta <= WakeWordFeatures.StreamingTolerance, $"seed delta {streamed.StreamingSeedDelta}");
        Assert.True(MaxDelta(expected, actual) <= WakeWordFeatures.StreamingTolerance);
        Assert.Equal(40, streamed.StreamedWindows);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(float.NaN)]
    [InlineData(1e4f)]
    [InlineData(-1e4f)]
    public void ComputePast_GateLikeUse_SkippedChunksAndBackfillEqualWholeWindow(float resyncFill)
    {
        // Closed gate (chunks skipped), then a pre-roll oldest first, then a few open chunks, then a lag out of order.
        // Each rebuild of the stream starts from caches and pre-window frames full of resyncFill: NaN or huge values
        // would show in the embedding if any of it reached the result.
        float[][] chunks = LongClipChunks()[..200];
        using WakeWordFeatures whole = Features(null);
        using WakeWordFeatures streamed = Features(StreamingCuts.Minimal);
        streamed.Stream!.ResyncFill = resyncFill;
        var a = new float[Embedding];
        var b = new float[Embedding];
        float delta = 0;
        void Check(int lag)
        {
            whole.ComputePast(lag, a);
            streamed.ComputePast(lag, b);
            Assert.All(b, v => Assert.True(float.IsFinite(v), $"lag {lag}: {v}"));
            delta = Math.Max(delta, MaxDelta(a, b));
        }

        int c = 0;
        for (; c < 40; c++)
        {
            whole.SkipChunk(chunks[c]);
            streamed.SkipChunk(chunks[c]);
        }

        for (int round = 0; round < 4; round++)
        {
            whole.PushChunk(chunks[c]);
            streamed.PushChunk(chunks[c++]);
            for (int lag = Backfill - 1; lag >= 0; lag--)
            {
                Check(lag);
            }

            for (int open = 0; open < 10; open++, c++)
            {
                whole.PushChunk(chunks[c]);
                streamed.PushChunk(chunks[c]);
                Check(0);
            }

            Check(7); // not the next window: the stream is rebuilt from its frames
            Check(6);
            for (int closed = 0; closed < 5 + (round * 4); closed++, c++)
            {
                whole.SkipChunk(chunks[c]);
                streamed.SkipChunk(chunks[c]);
            }
        }

        output.WriteLine($"fill {resyncFill}: max |Δ| {delta:G3}, {streamed.StreamedWindows} steps, {streamed.FullWindows} rebuilt windows");
        Assert.True(delta <= WakeWordFeatures.StreamingTolerance, $"max |Δ| {delta}");
        // Per round the pre-roll's oldest window and the out-of-order lag 7 rebuild the stream, except
        // after round 1's pause of 9 chunks: the pre-roll's oldest window (15 back) is then the one after lag 6's.
        Assert.Equal(7, streamed.FullWindows);
        Assert.Equal((4 * (15 + 10 + 1)) + 1, streamed.StreamedWindows);
    }

    [Fact]
    public void Constructor_ModelTheSurgeryRefuses_FallsBackToWholeWindowWithTheReason()
    {
        InstalledModel original = TestPaths.Models.Find(SpeechModels.EmbeddingName);
        InstalledModel changed = EmbeddingChainTests.Rewrite(original, model =>
        {
            // Sigmoid for one LeakyRelu: ONNX Runtime runs it, but it is no layer the planner knows.
            global::Onnx.NodeProto node = model.Graph.Node.First(n => n.OpType == "LeakyRelu");
            node.OpType = "Sigmoid";
            node.Attribute.Clear();
        });
        using var features = new WakeWordFeatures(TestPaths.Models.Find(SpeechModels.MelName), changed, Backfill, new OnnxOptions(), StreamingCuts.Minimal);

        Assert.False(features.Streaming);
        Assert.NotNull(features.StreamingFallback);
        Assert.Contains("Sigmoid is not a layer streaming can cut", features.StreamingFallback);
        Assert.Contains(changed.ToString(), features.StreamingFallback);
        var embedding = new float[Embedding];
        features.PushChunk(new float[WakeWordFeatures.ChunkSamples]);
        features.ComputeCurrent(embedding); // the whole-window model still runs
        Assert.Contains(embedding, v => v != 0);
    }

    private static float Compare(WakeWordFeatures whole, WakeWordFeatures streamed, float[][] chunks)
    {
        var a = new float[Embedding];
        var b = new float[Embedding];
        float delta = 0;
        foreach (float[] chunk in chunks)
        {
            whole.PushChunk(chunk);
            streamed.PushChunk(chunk);
            whole.ComputeCurrent(a);
            streamed.ComputeCurrent(b);
            delta = Math.Max(delta, MaxDelta(a, b));
        }

        return delta;
    }

    private static float MaxDelta(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    private static WakeWordFeatures Features(StreamingCuts? cuts) =>
        new(TestPaths.Models.Find(SpeechModels.MelName), TestPaths.Models.Find(SpeechModels.EmbeddingName), Backfill, new OnnxOptions(), cuts);

    /// <summary>Keyword and neutral phrases, four voices, one after another (~1 min), in 80 ms chunks at int16 scale.</summary>
    private static float[][] LongClipChunks()
    {
        var audio = new List<float>();
        foreach (SpeechClip clip in SpeechCorpus.All.Where(c => c.Speed == 130).Take(24))
        {
            audio.AddRange(PipelineAudioReader.LoadFile(clip.Path));
        }

        return audio.Chunk(WakeWordFeatures.ChunkSamples)
            .Where(c => c.Length == WakeWordFeatures.ChunkSamples)
            .Select(c => c.Select(v => v * 32768f).ToArray())
            .ToArray();
    }
}
