using System.Diagnostics;
using EdgeAgent.Core.Keywords;
using EdgeAgent.Core.Runtime;
using EdgeAgent.Core.Vad;
using EdgeAgent.Speech.Keywords;
using EdgeAgent.Speech.Vad;

namespace EdgeAgent.Speech.Pipeline;

/// <summary>
/// The on-device speech pipeline over a 16 kHz mono stream in [-1, 1]: Silero VAD on every 32 ms frame (speech
/// segments by hysteresis), the openWakeWord mel front end on every 80 ms chunk, and — only while the VAD gate is
/// open, unless ungated — the embedding model and every keyword head. When the gate opens, the embeddings of the
/// pre-roll that are not in the history yet are computed from the kept mel frames, so the heads see the history the
/// ungated pipeline would have given them. Feed it from one thread; in steady state it allocates nothing.
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
    private int _vadFill;
    private int _chunkFill;
    private long _samples;
    private long _chunksSinceReset;
    private long _lastOpenChunk;
    private long _lastSpeechEnd = long.MinValue;
    private bool _gateOpen;

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
            _features = new WakeWordFeatures(models.Mel, models.Embedding, options.PrerollChunks, options.Onnx);
            created.Add(_features);

            // History long enough for the widest head: read every head's window first.
            int historyChunks = Math.Max(options.PrerollChunks, SeedEmbeddings);
            _history = new float[historyChunks * Embedding];
            _heads = new KeywordHead[models.Keywords.Count];
            for (int i = 0; i < _heads.Length; i++)
            {
                _heads[i] = new KeywordHead(models.Keywords[i], options.Onnx, _history, historyChunks);
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

    /// <summary>The embeddings the heads scored last (oldest first); a shadow keyword head copies it.</summary>
    public ReadOnlySpan<float> EmbeddingHistory => _history;

    public int HistoryChunks => _history.Length / Embedding;

    public bool Gated => _options.Gated;

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
        long chunkStart = Stopwatch.GetTimestamp();
        long start = chunkStart;
        _features.PushChunk(_chunk);
        SpeechInstruments.StageLatency.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, SpeechInstruments.StageMel);

        bool open = !_options.Gated
            || (_lastSpeechEnd != long.MinValue && _samples - _lastSpeechEnd <= _hangoverSamples);
        if (!open)
        {
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

        start = Stopwatch.GetTimestamp();
        if (_options.Gated && !_gateOpen)
        {
            // The gate just opened: compute the pre-roll the ungated pipeline would have had, except what the
            // history still holds from before a short pause.
            int chunks = (int)Math.Min(Math.Min(_features.BackfillChunks, _chunksSinceReset), _chunksSinceReset - _lastOpenChunk);
            int values = chunks * Embedding;
            _history.AsSpan(values).CopyTo(_history);
            _features.ComputeRecent(chunks, _history.AsSpan(_history.Length - values));
            BackfilledEmbeddings += chunks;
            SpeechInstruments.StageLatency.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, SpeechInstruments.StageBackfill);
        }
        else
        {
            _history.AsSpan(Embedding).CopyTo(_history);
            _features.ComputeCurrent(_history.AsSpan(_history.Length - Embedding));
            SpeechInstruments.StageLatency.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, SpeechInstruments.StageEmbedding);
        }

        _gateOpen = true;
        _lastOpenChunk = _chunksSinceReset;
        KeywordChunks++;
        SpeechInstruments.KeywordChunks.Add(1);

        start = Stopwatch.GetTimestamp();
        double time = (double)_samples / SampleRate;
        bool warm = _chunksSinceReset > _options.Trigger.WarmupChunks;
        for (int i = 0; i < _heads.Length; i++)
        {
            float score = _heads[i].Score(out int label);
            _scores[i] = score;
            if (warm && _triggers[i].Push(score, time, label))
            {
                EmitDetection(i);
            }
        }

        SpeechInstruments.StageLatency.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, SpeechInstruments.StageHeads);
        _events.OnKeywordScores(_scores, Stopwatch.GetElapsedTime(chunkStart).TotalMilliseconds);
    }

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
