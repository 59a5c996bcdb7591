using System.Security.Cryptography;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Speech.Streaming;

/// <summary>
/// The embedding of consecutive windows computed stage by stage (<see cref="StreamingPlan"/>): each stage's input
/// holds the last rows of its cut tensor, a window step shifts them by the new rows the previous stage computed, so
/// per window each layer computes only its new rows. <see cref="Full"/> rebuilds the cached rows of any window from its
/// frames alone, by stepping the stages through the <see cref="ResyncSteps"/> window positions that end inside it: every
/// row a window's tensors hold depends on that window's frames only, and is computed as a new row at the step its
/// last frame arrives, so whatever the caches held before (and the frames before the window, filled in) never reaches
/// the result. No whole-window model is kept. All buffers and bindings are made once; <see cref="Step"/> and
/// <see cref="Full"/> allocate nothing.
/// </summary>
internal sealed class StreamingEmbedder : IDisposable
{
    private readonly List<BoundSession> _sessions = [];
    private readonly (ChainShape Input, ChainShape Output)[] _stages; // not the plan: its models are garbage once loaded
    private readonly BoundSession[] _runs;   // stage j's session
    private readonly float[][] _inputs;  // stage j's input: the last rows of its cut tensor, NCHW
    private readonly float[][] _outputs; // stage j's new rows of the tensor it ends at
    private readonly int _windowValues;
    private readonly int _windowRows;    // frames in a window
    private readonly int _frameValues;   // values per frame
    private readonly int _step;          // frames a window step adds

    private StreamingEmbedder(InstalledModel embedding, StreamingPlan plan, StreamingCuts cuts, OnnxOptions options)
    {
        EmbeddingChain chain = plan.Chain;
        _stages = plan.Stages.Select(s => (s.Input, s.Output)).ToArray();
        _windowValues = chain.Input.Values;
        _windowRows = chain.Input.Rows;
        _frameValues = chain.Input.Channels * chain.Input.Width;
        _step = chain.WindowStep;
        ResyncSteps = (_windowRows + _step - 1) / _step;
        EmbeddingSize = chain.EmbeddingSize;
        _inputs = new float[_stages.Length][];
        _outputs = new float[_stages.Length][];
        _runs = new BoundSession[_stages.Length];
        try
        {
            for (int j = 0; j < _stages.Length; j++)
            {
                StreamingStage stage = plan.Stages[j];
                _inputs[j] = Pinned(stage.Input.Values);
                _outputs[j] = Pinned(stage.Output.Values);
                string name = $"{embedding} streaming stage {j}";
                _runs[j] = Track(BoundSession.Shared(embedding, $"stream:{cuts}:{j}", options, () => OnnxSessions.Open(stage.Model, name, options)));
                _runs[j].BindInput<float>(stage.InputName, _inputs[j], stage.Input.Dimensions);
                _runs[j].BindOutput<float>(stage.OutputName, _outputs[j], stage.Output.Dimensions);
            }
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or InvalidOperationException or ModelStoreException)
        {
            // ONNX Runtime refused a model the surgery made (OnnxSessions reports that as a ModelStoreException):
            // the store's file is fine, so the caller falls back to the whole-window model.
            Dispose();
            throw new StreamingGraphException($"{embedding}: ONNX Runtime refused a streaming stage: {ex.Message}", ex);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int EmbeddingSize { get; }

    /// <summary>The window positions <see cref="Full"/> steps through: as many window steps as a window has frames.</summary>
    public int ResyncSteps { get; }

    /// <summary>
    /// What <see cref="Full"/> puts in the caches and in place of the frames before the window (none of it can reach
    /// the result; tests set NaN or huge values to show it).
    /// </summary>
    internal float ResyncFill { get; set; }

    /// <summary>
    /// Cuts <paramref name="embedding"/>'s graph into stages and opens them (or shares the sessions another pipeline
    /// opened over the same file). The file read must match the store's sha256.
    /// </summary>
    /// <exception cref="StreamingGraphException">The graph is not one streaming can cut; the message says why.</exception>
    public static StreamingEmbedder Create(InstalledModel embedding, int windowFrames, int melBands, int windowStep, StreamingCuts cuts, OnnxOptions options)
    {
        byte[] bytes = File.ReadAllBytes(embedding.ModelPath);
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!sha256.Equals(embedding.Manifest.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelStoreException($"{embedding}: {embedding.ModelPath} has sha256 {sha256}, its manifest says {embedding.Manifest.Sha256}");
        }

        StreamingPlan plan;
        try
        {
            plan = StreamingPlan.Create(EmbeddingChain.Read(EmbeddingChain.Parse(bytes), windowFrames, melBands, windowStep), cuts);
        }
        catch (StreamingGraphException ex)
        {
            throw new StreamingGraphException($"{embedding}: cannot stream its embedding: {ex.Message}", ex);
        }

        return new StreamingEmbedder(embedding, plan, cuts, options);
    }

    /// <summary>
    /// The embedding of <paramref name="window"/> (time-major frames × bands) from its frames alone: the stages step
    /// through the <see cref="ResyncSteps"/> window positions ending in it, the last being the window itself, so that
    /// the cached rows become this window's and the next window can <see cref="Step"/>.
    /// </summary>
    public void Full(ReadOnlySpan<float> window, Span<float> embedding)
    {
        for (int j = 1; j < _stages.Length; j++)
        {
            Array.Fill(_inputs[j], ResyncFill);
        }

        int rows = _stages[0].Input.Rows;
        Span<float> first = _inputs[0];
        for (int k = ResyncSteps - 1; k >= 0; k--)
        {
            int end = _windowRows - (k * _step); // the frame this position ends at (exclusive)
            int start = end - rows;
            int missing = Math.Max(0, -start);
            first[..(missing * _frameValues)].Fill(ResyncFill);
            window.Slice((start + missing) * _frameValues, (rows - missing) * _frameValues).CopyTo(first[(missing * _frameValues)..]);
            Advance();
        }

        _outputs[^1].AsSpan(0, EmbeddingSize).CopyTo(embedding);
    }

    /// <summary>The embedding of the window one step after the last one computed (by <see cref="Full"/> or <see cref="Step"/>).</summary>
    public void Step(ReadOnlySpan<float> window, Span<float> embedding)
    {
        ChainShape first = _stages[0].Input;
        window[(_windowValues - first.Values).._windowValues].CopyTo(_inputs[0]);
        Advance();
        _outputs[^1].AsSpan(0, EmbeddingSize).CopyTo(embedding);
    }

    /// <summary>Runs stage 0 over its input as it is, then each later stage over its cache shifted by the rows just computed.</summary>
    private void Advance()
    {
        _runs[0].Run();
        for (int j = 1; j < _stages.Length; j++)
        {
            ChainShape input = _stages[j].Input;
            float[] rows = _outputs[j - 1];
            int added = _stages[j - 1].Output.Rows;
            int rowValues = input.Rows * input.Width;
            int addedValues = added * input.Width;
            Span<float> cached = _inputs[j];
            for (int c = 0; c < input.Channels; c++)
            {
                Span<float> channel = cached.Slice(c * rowValues, rowValues);
                channel[addedValues..].CopyTo(channel);
                rows.AsSpan(c * addedValues, addedValues).CopyTo(channel[(rowValues - addedValues)..]);
            }

            _runs[j].Run();
        }
    }

    public void Dispose()
    {
        foreach (BoundSession session in _sessions)
        {
            session.Dispose();
        }

        _sessions.Clear();
    }

    /// <summary>
    /// Bound buffers stay pinned for the session's life: on the pinned object heap, not among the surgery's garbage on
    /// the large object heap, where a pinned array would keep the pages around it committed.
    /// </summary>
    private static float[] Pinned(int length) => GC.AllocateArray<float>(length, pinned: true);

    private BoundSession Track(BoundSession session)
    {
        _sessions.Add(session);
        return session;
    }
}
