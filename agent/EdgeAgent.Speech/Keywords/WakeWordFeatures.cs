using EdgeAgent.Core.Models;
using EdgeAgent.Core.Runtime;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Streaming;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Speech.Keywords;

/// <summary>
/// The openWakeWord front end: melspectrogram then embedding, framed as the reference does it (MODELS.md).
/// Each 1280-sample chunk (80 ms, int16 scale) with the previous 480 samples gives 8 mel frames
/// (scaled x/10 + 2); the embedding of the last 76 frames is one 96-value feature per chunk.
/// Mel frames are kept for <see cref="BackfillChunks"/> chunks so that embeddings skipped while the VAD gate was
/// closed can be computed afterwards, exactly as the ungated pipeline would have computed them: one binding of the
/// embedding session per past window, so a backfill costs only the windows it needs and allocates nothing.
/// While the gate is closed the mel model need not run either (<see cref="SkipChunk"/>): the last chunks' audio is
/// kept, and their mel frames are computed, chunk by chunk exactly as they would have been, when they are next needed.
/// With streaming evaluation (<see cref="StreamingEmbedder"/>) a window that follows the last one computed costs only
/// the new time rows of each layer; any other window (after a reset, a closed gate, or out of order) rebuilds the
/// stream from that window's frames alone (<see cref="StreamingEmbedder.Full"/>, ~10 steps). The start-up seed checks the
/// stream against the whole-window model, whose session is then released.
/// </summary>
public sealed class WakeWordFeatures : IDisposable
{
    public const int ChunkSamples = 1280;
    public const int EmbeddingSize = 96;

    /// <summary>The largest |streamed − whole-window| embedding value streaming may differ by on the start-up seed.</summary>
    public const float StreamingTolerance = 1e-4f;
    private const int MelContext = 480;
    private const int MelBands = 32;
    private const int FramesPerChunk = 8;
    private const int WindowFrames = 76;
    private const int WindowValues = WindowFrames * MelBands;
    private const long NoWindow = long.MinValue;

    private readonly OnnxOptions _options;

    private readonly BoundSession _mel;
    private readonly float[] _melInput = new float[MelContext + ChunkSamples];
    private readonly float[] _audio;        // the last _melChunks chunks and the 480 samples before them, oldest first
    private readonly int _melChunks;        // chunks whose frames the mel ring holds (the oldest partly)
    private readonly float[] _melOutput = new float[FramesPerChunk * MelBands];
    private readonly float[] _melRing;      // the last (76 + 8·(B-1)) frames, oldest first
    private readonly float[] _embeddingOutput = new float[EmbeddingSize];
    private readonly float[] _pastOutput;
    private readonly float[] _streamed = new float[EmbeddingSize];
    private BoundSession[]? _past;          // whole window: _past[k] binds the window k chunks before the newest
    private StreamingEmbedder? _stream;     // or streaming, when it is on and exact
    private long _streamWindow = NoWindow;  // the window whose rows the stream's stages hold
    private int _stale;                     // newest chunks whose mel frames are not computed yet
    private long _chunks;                   // chunks since the last reset

    public WakeWordFeatures(InstalledModel mel, InstalledModel embedding, int backfillChunks, OnnxOptions options)
        : this(mel, embedding, backfillChunks, options, streaming: null)
    {
    }

    /// <param name="streaming">Where to cut the embedding for streaming evaluation; null for the whole-window model only.</param>
    public WakeWordFeatures(InstalledModel mel, InstalledModel embedding, int backfillChunks, OnnxOptions options, StreamingCuts? streaming)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(backfillChunks, 1);
        MelModel = mel;
        EmbeddingModel = embedding;
        BackfillChunks = backfillChunks;
        _options = options;
        int ringFrames = WindowFrames + FramesPerChunk * (backfillChunks - 1);
        _melRing = new float[ringFrames * MelBands];
        _melChunks = (ringFrames + FramesPerChunk - 1) / FramesPerChunk;
        _audio = new float[MelContext + _melChunks * ChunkSamples];
        _pastOutput = new float[backfillChunks * EmbeddingSize];

        _mel = BoundSession.Shared(mel, options);
        try
        {
            _mel.BindInput<float>(_mel.Session.InputMetadata.Keys.Single(), _melInput, [1, _melInput.Length]);
            _mel.BindOutput<float>(_mel.Session.OutputMetadata.Keys.Single(), _melOutput, [1, 1, FramesPerChunk, MelBands]);
            if (streaming is { } cuts)
            {
                try
                {
                    _stream = StreamingEmbedder.Create(embedding, WindowFrames, MelBands, FramesPerChunk, cuts, options);
                    ProcessMemory.GiveBack(); // the graph surgery's ~5 MiB of large arrays: a built pipeline 101 → 99 MiB, measured
                }
                catch (StreamingGraphException ex)
                {
                    StreamingFallback = ex.Message;
                }
            }

            if (_stream is null)
            {
                BindWholeWindow();
            }
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or InvalidOperationException)
        {
            Dispose();
            throw new ModelStoreException($"{mel} / {embedding}: unexpected openWakeWord interface: {ex.Message}", ex);
        }
        catch
        {
            Dispose();
            throw;
        }

        Reset();
    }

    public InstalledModel MelModel { get; }

    public InstalledModel EmbeddingModel { get; }

    /// <summary>How many past chunks' embeddings <see cref="ComputeRecent"/> can produce.</summary>
    public int BackfillChunks { get; }

    /// <summary>Whether embeddings are computed by streaming evaluation (requested, the graph cut, and exact on the seed).</summary>
    public bool Streaming => _stream is not null;

    /// <summary>Why streaming was requested but is off (the graph could not be cut, or it was not exact); null otherwise.</summary>
    public string? StreamingFallback { get; private set; }

    /// <summary>Over the start-up seed: the largest |streamed − whole-window| of any embedding value (0 when not streaming).</summary>
    public float StreamingSeedDelta { get; private set; }

    /// <summary>The streaming embedder while streaming is on (for tests).</summary>
    internal StreamingEmbedder? Stream => _stream;

    /// <summary>Streaming: windows computed by a step from the previous one.</summary>
    public long StreamedWindows { get; private set; }

    /// <summary>Streaming: windows that did not follow the last one, which rebuilt the stream from their own frames.</summary>
    public long FullWindows { get; private set; }

    /// <summary>Runs the mel model on the next chunk (int16 scale), and on skipped ones before it, and slides the mel window.</summary>
    public void PushChunk(ReadOnlySpan<float> chunk)
    {
        SkipChunk(chunk);
        EnsureMel();
    }

    /// <summary>Takes the next chunk without running the mel model yet: its frames are computed when next needed.</summary>
    public void SkipChunk(ReadOnlySpan<float> chunk)
    {
        if (chunk.Length != ChunkSamples)
        {
            throw new ArgumentException($"openWakeWord takes {ChunkSamples} samples per chunk, got {chunk.Length}.", nameof(chunk));
        }

        _audio.AsSpan(ChunkSamples).CopyTo(_audio);
        chunk.CopyTo(_audio.AsSpan(_audio.Length - ChunkSamples));
        Span<float> ring = _melRing;
        int shift = FramesPerChunk * MelBands;
        ring[shift..].CopyTo(ring);
        _chunks++;
        _stale = (int)Math.Min(Math.Min(_stale + 1, _melChunks), _chunks);
    }

    /// <summary>Computes the mel frames of the skipped chunks, oldest first, each from its own 1760 samples.</summary>
    public void EnsureMel()
    {
        Span<float> ring = _melRing;
        int perChunk = FramesPerChunk * MelBands;
        for (int age = _stale - 1; age >= 0; age--)
        {
            _audio.AsSpan(_audio.Length - (age + 1) * ChunkSamples - MelContext, MelContext + ChunkSamples).CopyTo(_melInput);
            _mel.Run();
            int end = ring.Length - age * perChunk;
            int start = end - perChunk;
            for (int i = Math.Max(0, -start); i < perChunk; i++)
            {
                ring[start + i] = _melOutput[i] / 10f + 2f;
            }
        }

        _stale = 0;
    }

    /// <summary>The embedding of the current 76-frame window.</summary>
    public void ComputeCurrent(Span<float> embedding) => ComputePast(0, embedding);

    /// <summary>
    /// The embedding of the window <paramref name="lag"/> chunks before the newest (0 = the current one). Streaming, a
    /// window right after the last one computed costs a step; any other rebuilds the stream from its own frames.
    /// </summary>
    public void ComputePast(int lag, Span<float> embedding)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(lag, BackfillChunks);
        if (_stream is not null)
        {
            long window = _chunks - lag;
            ReadOnlySpan<float> frames = Window(lag);
            if (_streamWindow != NoWindow && window == _streamWindow + 1)
            {
                _stream.Step(frames, _streamed);
                StreamedWindows++;
            }
            else if (window != _streamWindow)
            {
                _stream.Full(frames, _streamed);
                FullWindows++;
            }

            _streamWindow = window;
            _streamed.CopyTo(embedding[..EmbeddingSize]);
            return;
        }

        _past![lag].Run();
        (lag == 0 ? _embeddingOutput.AsSpan() : _pastOutput.AsSpan(lag * EmbeddingSize, EmbeddingSize)).CopyTo(embedding[..EmbeddingSize]);
    }

    /// <summary>
    /// The embeddings of the last <paramref name="chunks"/> windows, oldest first, into
    /// <paramref name="embeddings"/> (chunks × 96).
    /// </summary>
    public void ComputeRecent(int chunks, Span<float> embeddings)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunks, BackfillChunks);
        for (int k = chunks - 1; k >= 0; k--)
        {
            ComputePast(k, embeddings[((chunks - 1 - k) * EmbeddingSize)..]);
        }
    }

    /// <summary>
    /// Embeddings of ~4 s of uniform int16 noise in [-1000, 1000), 41 windows of 76 frames with step 8, to seed the
    /// heads' history after a reset (fixed seed, so runs are reproducible). The noise goes through the bound sessions
    /// chunk by chunk, as audio would, so no session ever sees a batch wider than one window: a 41-wide batch made
    /// ONNX Runtime allocate ~40 MiB of intermediate tensors once, which the C heap kept. Leaves the front end reset.
    /// Streaming, the seed is first computed by the whole-window model (a session held only for this), then streamed,
    /// and the two compared window by window: if any value differs by more than <see cref="StreamingTolerance"/>,
    /// streaming is turned off (<see cref="StreamingFallback"/> says why) and the seed is the whole-window model's.
    /// </summary>
    public float[] ComputeSeed(int count)
    {
        if (_stream is not { } stream)
        {
            return ComputeSeedWindows(count);
        }

        float[] reference;
        _stream = null;
        try
        {
            BindWholeWindow();
            reference = ComputeSeedWindows(count);
        }
        finally
        {
            ReleaseWholeWindow();
            _stream = stream;
            NativeHeap.Trim();
        }

        float[] seed = ComputeSeedWindows(count);
        float delta = 0;
        for (int i = 0; i < seed.Length; i++)
        {
            delta = MathF.Max(delta, MathF.Abs(seed[i] - reference[i]));
        }

        StreamingSeedDelta = delta;
        if (!(delta <= StreamingTolerance))
        {
            StreamingFallback = $"{EmbeddingModel}: streamed embeddings differ from the whole-window model's by up to {delta:G3} on the start-up seed (tolerance {StreamingTolerance}); the whole-window model is used";
            _stream.Dispose();
            _stream = null;
            BindWholeWindow();
            return reference;
        }

        return seed;
    }

    private float[] ComputeSeedWindows(int count)
    {
        const int seconds = 4;
        var rng = new Random(1234);
        var chunk = new float[ChunkSamples];
        int chunks = seconds * 16_000 / ChunkSamples;
        int windows = Math.Min(count, chunks - (WindowFrames / FramesPerChunk) + 1);
        var seed = new float[Math.Max(0, windows) * EmbeddingSize];
        Reset();
        for (int c = 0; c < chunks; c++)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = rng.Next(-1000, 1000);
            }

            PushChunk(chunk);
            int window = c - (chunks - windows);
            if (window >= 0)
            {
                ComputeCurrent(seed.AsSpan(window * EmbeddingSize, EmbeddingSize));
            }
        }

        Reset();
        return seed;
    }

    /// <summary>Back to the start-up state: no audio context, the mel window all ones.</summary>
    public void Reset()
    {
        Array.Clear(_audio);
        Array.Fill(_melRing, 1f);
        _stale = 0;
        _chunks = 0;
        _streamWindow = NoWindow;
    }

    public void Dispose()
    {
        _mel.Dispose();
        _stream?.Dispose();
        ReleaseWholeWindow();
    }

    private void ReleaseWholeWindow()
    {
        if (_past is not null)
        {
            // Siblings first: _past[0] holds the shared session's lease.
            for (int k = _past.Length - 1; k >= 0; k--)
            {
                _past[k]?.Dispose();
            }

            _past = null;
        }
    }

    private ReadOnlySpan<float> Window(int lag) =>
        _melRing.AsSpan(_melRing.Length - WindowValues - lag * FramesPerChunk * MelBands, WindowValues);

    /// <summary>The whole-window model: one binding of the shared session per past window.</summary>
    private void BindWholeWindow()
    {
        var past = new BoundSession[BackfillChunks];
        _past = past;
        past[0] = BoundSession.Shared(EmbeddingModel, _options);
        InferenceSession session = past[0].Session;
        string inputName = session.InputMetadata.Keys.Single();
        string outputName = session.OutputMetadata.Keys.Single();
        for (int k = 0; k < past.Length; k++)
        {
            if (k > 0)
            {
                past[k] = past[0].CreateSibling();
            }

            Memory<float> window = _melRing.AsMemory(_melRing.Length - WindowValues - k * FramesPerChunk * MelBands, WindowValues);
            past[k].BindInput(inputName, window, [1, WindowFrames, MelBands, 1]);
            Memory<float> output = k == 0 ? _embeddingOutput : _pastOutput.AsMemory(k * EmbeddingSize, EmbeddingSize);
            past[k].BindOutput(outputName, output, [1, 1, 1, EmbeddingSize]);
        }
    }
}
