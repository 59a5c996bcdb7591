using System.Diagnostics;
using EdgeAgent.Core.Keywords;
using EdgeAgent.Core.Runtime;
using EdgeAgent.Core.Vad;
using EdgeAgent.Speech.Keywords;
using EdgeAgent.Speech.Streaming;
using EdgeAgent.Speech.Vad;

namespace EdgeAgent.Speech.Pipeline;

/// <summary>
/// The on-device speech pipeline over a 16 kHz mono stream in [-1, 1]: Silero VAD on every 32 ms frame (speech
/// segments by hysteresis), the openWakeWord mel front end on every 80 ms chunk, and — only while the VAD gate is
/// open, unless ungated — the embedding model and every keyword head. When the gate opens, the embeddings of the
/// pre-roll that are not in the history yet are computed from the kept mel frames, so the heads see the history the
/// ungated pipeline would have given them. That pre-roll is spread over the next chunks (at most
/// <see cref="SpeechPipelineOptions.PrerollBurst"/> embeddings per chunk) and the heads' scores of those chunks are
/// computed, in order and over the same windows, once it is complete: the same scores and detections as ungated, a
/// few chunks later, without a 16-embedding burst. Feed it from one thread; in steady state it allocates nothing.
/// </summary>
public sealed class SpeechPipeline : IDisposable
{
    private const int SampleRate = 16_000;
    private const int Embedding = WakeWordFeatures.EmbeddingSize;
    private const int SeedEmbeddings = 41;

    private readonly SpeechPipelineOptions _options;
    private readonly ISpeechEvents _events;
    private readonly SileroVad _vad;
    private readonly WakeWordFeatures _features;
    private readonly KeywordHead[] _heads;
    private readonly KeywordTrigger[] _triggers;
    private readonly float[] _scores;
    private readonly VadSegmenter _segmenter;
    private readonly float[] _history;  // the heads' embedding history, oldest first
    private readonly float[] _seed;
    private readonly float[] _vadFrame = new float[SileroVad.FrameSamples];
    private readonly float[] _chunk = new float[WakeWordFeatures.ChunkSamples];
    private readonly long _hangoverSamples;
    private readonly int _historyChunks;
    private int _vadFill;
    private int _chunkFill;
    private long _samples;
    private long _chunksSinceReset;
    private long _lastOpenChunk;
    private long _lastSpeechEnd = long.MinValue;
    private bool _gateOpen;
    private int _missing;     // embeddings not computed yet after an opening: history lags 0 .. _missing - 1
    private int _deferred;    // chunks whose heads have not scored yet (the newest included)
    private int _scoringLag;  // while the heads score: how many chunks before the newest their window ends

    public SpeechPipeline(SpeechModels models, SpeechPipelineOptions options, ISpeechEvents? events = null)
    {
        _options = options;
        _events = events ?? NoEvents.Instance;
        Models = models;
        _segmenter = new VadSegmenter(options.Vad, SampleRate);
        _hangoverSamples = (long)options.HangoverMs * SampleRate / 1000;

        var created = new List<IDisposable>();
        try
        {
            _vad = new SileroVad(models.Vad, options.Onnx);
            created.Add(_vad);
            _features = new WakeWordFeatures(models.Mel, models.Embedding, options.PrerollChunks, options.Onnx, options.StreamingEmbedding ? options.StreamingCuts : null);
            created.Add(_features);

            // History long enough for the widest head, plus the chunks by which scores can be deferred.
            _historyChunks = Math.Max(options.PrerollChunks, SeedEmbeddings);
            int maxLag = MaxDeferral(options);
            _history = new float[(_historyChunks + maxLag) * Embedding];
            _heads = new KeywordHead[models.Keywords.Count];
            for (int i = 0; i < _heads.Length; i++)
            {
                _heads[i] = new KeywordHead(models.Keywords[i], options.Onnx, _history, _historyChunks, maxLag);
                created.Add(_heads[i]);
            }

            _triggers = _heads.Select(_ => new KeywordTrigger(options.Trigger)).ToArray();
            _scores = new float[_heads.Length];
            _seed = _features.ComputeSeed(SeedEmbeddings);
        }
        catch
        {
            foreach (IDisposable d in created)
            {
                d.Dispose();
            }

            throw;
        }

        Reset();
        NativeHeap.Trim();
    }

    public SpeechModels Models { get; }

    public IReadOnlyList<KeywordHead> Heads => _heads;

    /// <summary>
    /// The <see cref="HistoryChunks"/> embeddings the heads are scoring (oldest first, ending at the chunk being
    /// scored, which is older than the newest while deferred scores are caught up); a shadow keyword head copies it.
    /// </summary>
    public ReadOnlySpan<float> EmbeddingHistory =>
        _history.AsSpan(_history.Length - (_scoringLag + _historyChunks) * Embedding, _historyChunks * Embedding);

    public int HistoryChunks => _historyChunks;

    /// <summary>
    /// While the heads score (in <see cref="ISpeechEvents.OnKeywordScores"/>): the end time, in seconds since the
    /// reset, of the chunk being scored, which is older than <see cref="Samples"/> while deferred scores are caught up.
    /// </summary>
    public double ScoredTimeSec => (double)((_lastOpenChunk - _scoringLag) * WakeWordFeatures.ChunkSamples) / SampleRate;

    public bool Gated => _options.Gated;

    /// <summary>Whether the embedding is computed by streaming evaluation (<see cref="SpeechPipelineOptions.StreamingEmbedding"/>).</summary>
    public bool StreamingEmbedding => _features.Streaming;

    /// <summary>Why streaming evaluation was asked for but is off (the message names the model and the problem); null otherwise.</summary>
    public string? StreamingFallback => _features.StreamingFallback;

    internal WakeWordFeatures Features => _features;

    /// <summary>Samples consumed since the last reset.</summary>
    public long Samples => _samples;

    public long VadFrames { get; private set; }

    /// <summary>Chunks on which the embedding model and the heads ran.</summary>
    public long KeywordChunks { get; private set; }

    /// <summary>Chunks the VAD gate skipped.</summary>
    public long GatedChunks { get; private set; }

    /// <summary>Embeddings computed for pre-roll when the gate opened.</summary>
    public long BackfilledEmbeddings { get; private set; }

    public void Process(ReadOnlySpan<float> samples)
    {
        while (!samples.IsEmpty)
        {
            int take = Math.Min(samples.Length, Math.Min(_vadFrame.Length - _vadFill, _chunk.Length - _chunkFill));
            ReadOnlySpan<float> part = samples[..take];
            part.CopyTo(_vadFrame.AsSpan(_vadFill));
            Span<float> chunk = _chunk.AsSpan(_chunkFill, take);
            for (int i = 0; i < take; i++)
            {
                chunk[i] = part[i] * 32768f; // openWakeWord works at int16 scale
            }

            _vadFill += take;
            _chunkFill += take;
            _samples += take;
            samples = samples[take..];

            if (_vadFill == _vadFrame.Length)
            {
                RunVad();
                _vadFill = 0;
            }

            if (_chunkFill == _chunk.Length)
            {
                RunKeywords();
                _chunkFill = 0;
            }
        }
    }

    /// <summary>Ends the stream: closes an open speech segment and reports pending detections.</summary>
    public void Flush()
    {
        CatchUp(int.MaxValue, Stopwatch.GetTimestamp());
        if (_segmenter.Flush(_samples) is { } segment)
        {
            EmitSegment(segment);
        }

        for (int i = 0; i < _triggers.Length; i++)
        {
            if (_triggers[i].Flush())
            {
                EmitDetection(i);
            }
        }
    }

    /// <summary>Back to the start-up state (a new stream).</summary>
    public void Reset()
    {
        _vad.Reset();
        _features.Reset();
        _segmenter.Reset();
        foreach (KeywordTrigger trigger in _triggers)
        {
            trigger.Reset();
        }

        Array.Clear(_history);
        int seed = Math.Min(_seed.Length / Embedding, _history.Length / Embedding);
        _seed.AsSpan(_seed.Length - seed * Embedding).CopyTo(_history.AsSpan(_history.Length - seed * Embedding));
        _vadFill = 0;
        _chunkFill = 0;
        _samples = 0;
        _chunksSinceReset = 0;
        _lastOpenChunk = 0;
        _lastSpeechEnd = long.MinValue;
        _gateOpen = false;
        _missing = 0;
        _deferred = 0;
        _scoringLag = 0;
    }

    public void Dispose()
    {
        _vad.Dispose();
        _features.Dispose();
        foreach (KeywordHead head in _heads)
        {
            head.Dispose();
        }

        NativeHeap.Trim();
    }

    private void RunVad()
    {
        long start = Stopwatch.GetTimestamp();
        float probability = _vad.Process(_vadFrame);
        double elapsedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        SpeechInstruments.StageLatency.Record(elapsedMs, SpeechInstruments.StageVad);
        SpeechInstruments.VadFrames.Add(1);
        VadFrames++;

        long frameStart = _samples - _vadFrame.Length;
        _events.OnVadFrame(_vadFrame, probability, frameStart, elapsedMs);
        if (probability >= _options.GateThreshold)
        {
            _lastSpeechEnd = _samples;
        }

        if (_segmenter.Push(probability, frameStart, _samples) is { } segment)
        {
            EmitSegment(segment);
        }
    }

    private void RunKeywords()
    {
        _chunksSinceReset++;
        bool open = !_options.Gated
            || (_lastSpeechEnd != long.MinValue && _samples - _lastSpeechEnd <= _hangoverSamples);
        if (!open && _gateOpen)
        {
            // Closing: first finish what the last opening left (its windows are the mel ring's until this chunk's mel).
            CatchUp(int.MaxValue, Stopwatch.GetTimestamp());
        }

        long chunkStart = Stopwatch.GetTimestamp();
        long start = chunkStart;
        if (!open)
        {
            // Closed: the mel frames are computed only if the gate opens while they are still needed.
            _features.SkipChunk(_chunk);
            GatedChunks++;
            SpeechInstruments.GatedChunks.Add(1);
            if (_gateOpen)
            {
                _gateOpen = false;
                for (int i = 0; i < _triggers.Length; i++)
                {
                    if (_triggers[i].Interrupt())
                    {
                        EmitDetection(i);
                    }
                }
            }

            return;
        }

        _features.PushChunk(_chunk);
        SpeechInstruments.StageLatency.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, SpeechInstruments.StageMel);
        start = Stopwatch.GetTimestamp();
        int budget = _options.PrerollBurst;
        if (_options.Gated && !_gateOpen)
        {
            // The gate just opened: the pre-roll the ungated pipeline would have had, except what the history still
            // holds from before a short pause, is computed from the kept mel frames over this and the next chunks,
            // oldest window first and this chunk's last, so the windows follow each other (streaming steps through them).
            int chunks = (int)Math.Min(Math.Min(_features.BackfillChunks, _chunksSinceReset), _chunksSinceReset - _lastOpenChunk);
            _history.AsSpan(chunks * Embedding).CopyTo(_history);
            _missing = chunks;
            BackfilledEmbeddings += chunks;
        }
        else
        {
            _history.AsSpan(Embedding).CopyTo(_history);
            if (_missing > 0)
            {
                _missing++; // after the pre-roll still missing, in order
            }
            else
            {
                _features.ComputeCurrent(_history.AsSpan(_history.Length - Embedding));
                budget--;
            }
        }

        SpeechInstruments.StageLatency.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, SpeechInstruments.StageEmbedding);
        _gateOpen = true;
        _lastOpenChunk = _chunksSinceReset;
        KeywordChunks++;
        SpeechInstruments.KeywordChunks.Add(1);
        _deferred++;
        CatchUp(budget, chunkStart);
    }

    /// <summary>
    /// Computes up to <paramref name="budget"/> missing pre-roll embeddings, oldest first; once none is missing,
    /// scores every deferred chunk in order, each over the windows that ended at it (the newest one's time counted
    /// from <paramref name="chunkStart"/>).
    /// </summary>
    private void CatchUp(int budget, long chunkStart)
    {
        if (_missing > 0)
        {
            long start = Stopwatch.GetTimestamp();
            for (; _missing > 0 && budget > 0; budget--, _missing--)
            {
                int lag = _missing - 1;
                _features.ComputePast(lag, _history.AsSpan(_history.Length - (lag + 1) * Embedding, Embedding));
            }

            SpeechInstruments.StageLatency.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, SpeechInstruments.StageBackfill);
        }

        if (_missing > 0 || _deferred == 0)
        {
            return;
        }

        for (_scoringLag = _deferred - 1; _scoringLag >= 0; _scoringLag--)
        {
            long start = Stopwatch.GetTimestamp();
            long chunk = _lastOpenChunk - _scoringLag;
            double time = (double)(chunk * WakeWordFeatures.ChunkSamples) / SampleRate;
            bool warm = chunk > _options.Trigger.WarmupChunks;
            for (int i = 0; i < _heads.Length; i++)
            {
                float score = _heads[i].Score(_scoringLag, out int label);
                _scores[i] = score;
                if (warm && _triggers[i].Push(score, time, label))
                {
                    EmitDetection(i);
                }
            }

            SpeechInstruments.StageLatency.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, SpeechInstruments.StageHeads);
            _events.OnKeywordScores(_scores, Stopwatch.GetElapsedTime(_scoringLag == 0 ? chunkStart : start).TotalMilliseconds);
        }

        _scoringLag = 0;
        _deferred = 0;
    }

    private static int MaxDeferral(SpeechPipelineOptions options) =>
        !options.Gated || options.PrerollChunks <= 1 ? 0 : Math.Max(0, ((options.PrerollChunks - 1 + options.PrerollBurst - 2) / (options.PrerollBurst - 1)) - 1);

    private void EmitSegment(SpeechSegment segment)
    {
        SpeechInstruments.Segments.Add(1);
        _events.OnSegment(segment);
    }

    private void EmitDetection(int head)
    {
        KeywordHead h = _heads[head];
        KeywordTrigger t = _triggers[head];
        string? label = h.Labels.Count > 0 ? h.Labels[t.PeakLabel] : null;
        SpeechInstruments.Detections.Add(1, new KeyValuePair<string, object?>("keyword", h.Keyword));
        _events.OnDetection(new KeywordDetection(h.Keyword, t.PeakTimeSec, t.Peak, h.Model.Name, h.Model.Version, label));
    }

    private sealed class NoEvents : ISpeechEvents
    {
        public static readonly NoEvents Instance = new();
    }
}
