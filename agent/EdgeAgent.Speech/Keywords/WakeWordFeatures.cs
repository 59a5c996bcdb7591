using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
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
/// </summary>
public sealed class WakeWordFeatures : IDisposable
{
    public const int ChunkSamples = 1280;
    public const int EmbeddingSize = 96;
    private const int MelContext = 480;
    private const int MelBands = 32;
    private const int FramesPerChunk = 8;
    private const int WindowFrames = 76;
    private const int WindowValues = WindowFrames * MelBands;

    private readonly BoundSession _mel;
    private readonly BoundSession _embedding;
    private readonly BoundSession[] _past; // _past[k]: the window k chunks before the newest
    private readonly float[] _melInput = new float[MelContext + ChunkSamples];
    private readonly float[] _audio;        // the last _melChunks chunks and the 480 samples before them, oldest first
    private readonly int _melChunks;        // chunks whose frames the mel ring holds (the oldest partly)
    private readonly float[] _melOutput = new float[FramesPerChunk * MelBands];
    private readonly float[] _melRing;      // the last (76 + 8·(B-1)) frames, oldest first
    private readonly float[] _embeddingOutput = new float[EmbeddingSize];
    private readonly float[] _pastOutput;
    private readonly string _embeddingInputName;
    private readonly string _embeddingOutputName;
    private int _stale;                     // newest chunks whose mel frames are not computed yet
    private long _chunks;                   // chunks since the last reset

    public WakeWordFeatures(InstalledModel mel, InstalledModel embedding, int backfillChunks, OnnxOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(backfillChunks, 1);
        MelModel = mel;
        EmbeddingModel = embedding;
        BackfillChunks = backfillChunks;
        int ringFrames = WindowFrames + FramesPerChunk * (backfillChunks - 1);
        _melRing = new float[ringFrames * MelBands];
        _melChunks = (ringFrames + FramesPerChunk - 1) / FramesPerChunk;
        _audio = new float[MelContext + _melChunks * ChunkSamples];
        _pastOutput = new float[backfillChunks * EmbeddingSize];
        _past = new BoundSession[backfillChunks];

        _mel = BoundSession.Shared(mel, options);
        try
        {
            _embedding = BoundSession.Shared(embedding, options);
            InferenceSession embeddingSession = _embedding.Session;
            _embeddingInputName = embeddingSession.InputMetadata.Keys.Single();
            _embeddingOutputName = embeddingSession.OutputMetadata.Keys.Single();

            _mel.BindInput<float>(_mel.Session.InputMetadata.Keys.Single(), _melInput, [1, _melInput.Length]);
            _mel.BindOutput<float>(_mel.Session.OutputMetadata.Keys.Single(), _melOutput, [1, 1, FramesPerChunk, MelBands]);
            Memory<float> window = _melRing.AsMemory(_melRing.Length - WindowValues);
            _embedding.BindInput(_embeddingInputName, window, [1, WindowFrames, MelBands, 1]);
            _embedding.BindOutput<float>(_embeddingOutputName, _embeddingOutput, [1, 1, 1, EmbeddingSize]);
            _past[0] = _embedding;
            for (int k = 1; k < backfillChunks; k++)
            {
                _past[k] = _embedding.CreateSibling();
                Memory<float> past = _melRing.AsMemory(_melRing.Length - WindowValues - k * FramesPerChunk * MelBands, WindowValues);
                _past[k].BindInput(_embeddingInputName, past, [1, WindowFrames, MelBands, 1]);
                _past[k].BindOutput<float>(_embeddingOutputName, _pastOutput.AsMemory(k * EmbeddingSize, EmbeddingSize), [1, 1, 1, EmbeddingSize]);
            }
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or InvalidOperationException)
        {
            Dispose();
            throw new ModelStoreException($"{mel} / {embedding}: unexpected openWakeWord interface: {ex.Message}", ex);
        }

        Reset();
    }

    public InstalledModel MelModel { get; }

    public InstalledModel EmbeddingModel { get; }

    /// <summary>How many past chunks' embeddings <see cref="ComputeRecent"/> can produce.</summary>
    public int BackfillChunks { get; }

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
    public void ComputeCurrent(Span<float> embedding)
    {
        _embedding.Run();
        _embeddingOutput.CopyTo(embedding[..EmbeddingSize]);
    }

    /// <summary>The embedding of the window <paramref name="lag"/> chunks before the newest (0 = the current one).</summary>
    public void ComputePast(int lag, Span<float> embedding)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(lag, BackfillChunks);
        if (lag == 0)
        {
            ComputeCurrent(embedding);
            return;
        }

        _past[lag].Run();
        _pastOutput.AsSpan(lag * EmbeddingSize, EmbeddingSize).CopyTo(embedding[..EmbeddingSize]);
    }

    /// <summary>
    /// The embeddings of the last <paramref name="chunks"/> windows, oldest first, into
    /// <paramref name="embeddings"/> (chunks × 96).
    /// </summary>
    public void ComputeRecent(int chunks, Span<float> embeddings)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunks, BackfillChunks);
        for (int k = chunks - 1; k >= 1; k--)
        {
            _past[k].Run();
            _pastOutput.AsSpan(k * EmbeddingSize, EmbeddingSize).CopyTo(embeddings[((chunks - 1 - k) * EmbeddingSize)..]);
        }

        ComputeCurrent(embeddings[((chunks - 1) * EmbeddingSize)..]);
    }

    /// <summary>
    /// Embeddings of ~4 s of uniform int16 noise in [-1000, 1000), 41 windows of 76 frames with step 8, to seed the
    /// heads' history after a reset (fixed seed, so runs are reproducible). The noise goes through the bound sessions
    /// chunk by chunk, as audio would, so no session ever sees a batch wider than one window: a 41-wide batch made
    /// ONNX Runtime allocate ~40 MiB of intermediate tensors once, which the C heap kept. Leaves the front end reset.
    /// </summary>
    public float[] ComputeSeed(int count)
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
    }

    public void Dispose()
    {
        _mel.Dispose();
        if (_past is not null)
        {
            for (int k = 1; k < _past.Length; k++)
            {
                _past[k]?.Dispose();
            }
        }

        _embedding?.Dispose();
    }
}
