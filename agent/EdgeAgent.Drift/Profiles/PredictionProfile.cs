namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// What the models said over a stretch of audio: each keyword head's score distribution and detection count, speech
/// segment durations and per-stage latency, as fixed-bin histograms that merge exactly like the signal features.
/// Adding a score of a keyword already seen does not allocate.
/// </summary>
public sealed class PredictionProfile
{
    /// <summary>The most keyword heads one profile (a window, an hour, a cohort) may hold.</summary>
    public const int MaxKeywords = 64;

    private readonly SortedDictionary<string, KeywordPrediction> _keywords = new(StringComparer.Ordinal);
    private readonly Stack<KeywordPrediction> _spare = new(); // a reused profile's keywords from its last load

    /// <summary>Speech segment durations, 0.25 s bins up to 30 s.</summary>
    public Histogram SegmentSeconds { get; } = NewSegmentHistogram();

    /// <summary>Time of one VAD frame, 0.05 ms bins up to 10 ms.</summary>
    public Histogram VadLatencyMs { get; } = NewVadLatencyHistogram();

    /// <summary>Time of one 80 ms keyword chunk (mel, embedding, heads), 0.25 ms bins up to 50 ms.</summary>
    public Histogram ChunkLatencyMs { get; } = NewChunkLatencyHistogram();

    public IReadOnlyDictionary<string, KeywordPrediction> Keywords => _keywords;

    public void AddSegment(double seconds) => SegmentSeconds.Add(seconds);

    public void AddVadLatency(double milliseconds) => VadLatencyMs.Add(milliseconds);

    public void AddChunkLatency(double milliseconds) => ChunkLatencyMs.Add(milliseconds);

    public void AddScore(string keyword, float score) => Keyword(keyword).Scores.Add(score);

    /// <summary>One scored chunk: <paramref name="scores"/>[i] belongs to <paramref name="keywords"/>[i].</summary>
    public void AddChunk(ReadOnlySpan<float> scores, IReadOnlyList<string> keywords, double elapsedMs)
    {
        for (int i = 0; i < scores.Length; i++)
        {
            AddScore(keywords[i], scores[i]);
        }

        AddChunkLatency(elapsedMs);
    }

    public void AddDetection(string keyword) => Keyword(keyword).Detections++;

    /// <summary>Empties the keywords, keeping their objects for <see cref="KeywordForLoad"/> (a decode reusing this profile).</summary>
    internal void ClearKeywords()
    {
        foreach (KeywordPrediction k in _keywords.Values)
        {
            _spare.Push(k);
        }

        _keywords.Clear();
    }

    /// <summary>A keyword added for a load, which then sets its detections and every score count.</summary>
    internal KeywordPrediction KeywordForLoad(string keyword)
    {
        KeywordPrediction k = _spare.TryPop(out KeywordPrediction? spare) ? spare : new KeywordPrediction();
        _keywords.Add(keyword, k);
        return k;
    }

    /// <summary>The keyword's statistics, created empty on first use.</summary>
    public KeywordPrediction Keyword(string keyword)
    {
        if (!_keywords.TryGetValue(keyword, out KeywordPrediction? k))
        {
            k = new KeywordPrediction();
            _keywords.Add(keyword, k);
        }

        return k;
    }

    /// <summary>Adds <paramref name="other"/> into this profile (exact).</summary>
    public void MergeFrom(PredictionProfile other)
    {
        SegmentSeconds.MergeFrom(other.SegmentSeconds);
        VadLatencyMs.MergeFrom(other.VadLatencyMs);
        ChunkLatencyMs.MergeFrom(other.ChunkLatencyMs);
        foreach ((string name, KeywordPrediction theirs) in other._keywords)
        {
            KeywordPrediction mine = Keyword(name);
            mine.Scores.MergeFrom(theirs.Scores);
            mine.Detections += theirs.Detections;
        }
    }

    /// <summary>Throws when merging <paramref name="other"/> would hold more than <see cref="MaxKeywords"/> keywords.</summary>
    internal void CheckMerge(PredictionProfile other)
    {
        int union = _keywords.Count + other._keywords.Keys.Count(k => !_keywords.ContainsKey(k));
        if (union > MaxKeywords)
        {
            throw new ProfileBoundsException($"merged profile would hold {union} keywords, more than the {MaxKeywords} allowed");
        }
    }

    internal static Histogram NewSegmentHistogram() => new(0, 0.25, 120);

    internal static Histogram NewVadLatencyHistogram() => new(0, 0.05, 200);

    internal static Histogram NewChunkLatencyHistogram() => new(0, 0.25, 200);

    internal static Histogram NewScoreHistogram() => new(0, 0.02, 50);
}

/// <summary>One keyword head's scores (0.02 bins over [0, 1]) on the chunks it ran, and its detections.</summary>
public sealed class KeywordPrediction
{
    public Histogram Scores { get; } = PredictionProfile.NewScoreHistogram();

    public long Detections { get; set; }
}
