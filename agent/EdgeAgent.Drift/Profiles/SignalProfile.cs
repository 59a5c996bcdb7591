using EdgeAgent.Drift.Features;

namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// What a stretch of audio looked like: for every catalogued feature a fixed-bin histogram and exact moments over the
/// frames of its scope, the mean and spread of the 32 mel bands over speech (the microphone's fingerprint), and the
/// frame counts, and what the models predicted over the same audio (<see cref="Predictions"/>). Profiles merge exactly,
/// so minutes add up to hours and devices to cohorts.
/// </summary>
public sealed class SignalProfile
{
    public const double FrameSeconds = FrameFeatureExtractor.FrameSamples / 16_000.0;

    /// <summary>The most frames one profile may hold (about 1,000 years of audio): keeps every sum far from overflow.</summary>
    public const long MaxFrames = 1_000_000_000_000;

    /// <summary>VAD probability at which a frame counts as speech.</summary>
    public const float SpeechProbability = 0.5f;

    private readonly Histogram[] _histograms;
    private readonly RunningMoments[] _moments;
    private readonly RunningMoments[] _mel = new RunningMoments[FrameFeatureExtractor.MelBands];

    public SignalProfile()
    {
        _histograms = FeatureCatalog.Features.Select(f => f.NewHistogram()).ToArray();
        _moments = new RunningMoments[FeatureCatalog.Features.Count];
    }

    public long Frames { get; private set; }

    public long SpeechFrames { get; private set; }

    /// <summary>Speech frames well above the noise floor (the evidence behind spectral-shape features).</summary>
    public long CleanSpeechFrames { get; private set; }

    /// <summary>Frames without speech that carry a signal (not digital silence).</summary>
    public long NonSpeechFrames { get; private set; }

    /// <summary>Frames whose samples all hold the same non-zero value (a stuck input); they carry no signal.</summary>
    public long StuckFrames { get; private set; }

    /// <summary>Frames of converter noise only (±2 LSB, white): a live ADC with a dead capsule in front of it.</summary>
    public long ConverterNoiseFrames { get; private set; }

    /// <summary>
    /// A reference's own spread (segment-level statistics: distances of its segments from the whole), from which its
    /// thresholds adapt; empty for windows and merges (merging keeps this profile's spread).
    /// </summary>
    public IReadOnlyList<FeatureSpread> Spread { get; set; } = [];

    public double SpeechSeconds => SpeechFrames * FrameSeconds;

    public double DurationSeconds => Frames * FrameSeconds;

    public IReadOnlyList<Histogram> Histograms => _histograms;

    public IReadOnlyList<RunningMoments> Moments => _moments;

    public IReadOnlyList<RunningMoments> MelBands => _mel;

    /// <summary>Keyword scores, detections, segment durations and latency over the same audio.</summary>
    public PredictionProfile Predictions { get; } = new();

    /// <summary>
    /// Adds one frame; allocation-free. <paramref name="clean"/> says the frame stands well above the noise floor
    /// (spectral-shape features and the fingerprint use only such speech frames).
    /// </summary>
    public void Add(in FrameFeatures features, float vadProbability, ReadOnlySpan<float> melDb, bool clean = true)
    {
        bool signal = !features.DigitalSilence && !features.Stuck;
        bool speech = vadProbability >= SpeechProbability && signal;
        bool nonSpeech = !speech && signal;
        Frames++;
        SpeechFrames += speech ? 1 : 0;
        CleanSpeechFrames += speech && clean ? 1 : 0;
        NonSpeechFrames += nonSpeech ? 1 : 0;
        StuckFrames += features.Stuck ? 1 : 0;
        ConverterNoiseFrames += features.ConverterNoise ? 1 : 0;
        IReadOnlyList<ProfileFeature> catalog = FeatureCatalog.Features;
        for (int i = 0; i < _histograms.Length; i++)
        {
            FeatureScope scope = catalog[i].Scope;
            bool include = scope switch
            {
                FeatureScope.Speech => speech,
                FeatureScope.CleanSpeech => speech && clean,
                FeatureScope.NonSpeech => nonSpeech,
                FeatureScope.Signal => signal,
                _ => true,
            };
            if (include)
            {
                double value = FeatureCatalog.Value(i, features, vadProbability);
                _histograms[i].Add(value);
                _moments[i].Add(value);
            }
        }

        if (speech && clean)
        {
            for (int b = 0; b < _mel.Length; b++)
            {
                _mel[b].Add(melDb[b]);
            }
        }
    }

    /// <summary>Adds <paramref name="other"/> into this profile (exact).</summary>
    /// <exception cref="ProfileBoundsException">
    /// The sum would break a bound (more than <see cref="MaxFrames"/> frames or <see cref="PredictionProfile.MaxKeywords"/>
    /// keywords); this profile is left unchanged.
    /// </exception>
    public void MergeFrom(SignalProfile other)
    {
        long frames = Frames + other.Frames; // both within MaxFrames, so no overflow
        if (frames > MaxFrames)
        {
            throw new ProfileBoundsException($"merged profile would hold {frames} frames, more than the {MaxFrames} allowed");
        }

        Predictions.CheckMerge(other.Predictions);
        Frames = frames;
        SpeechFrames += other.SpeechFrames;
        CleanSpeechFrames += other.CleanSpeechFrames;
        NonSpeechFrames += other.NonSpeechFrames;
        StuckFrames += other.StuckFrames;
        ConverterNoiseFrames += other.ConverterNoiseFrames;
        for (int i = 0; i < _histograms.Length; i++)
        {
            _histograms[i].MergeFrom(other._histograms[i]);
            _moments[i] = _moments[i].Merge(other._moments[i]);
        }

        for (int b = 0; b < _mel.Length; b++)
        {
            _mel[b] = _mel[b].Merge(other._mel[b]);
        }

        Predictions.MergeFrom(other.Predictions);
    }

    /// <summary>
    /// Checks what a decoded profile claims: frames within <see cref="MaxFrames"/>, speech and non-speech frames
    /// disjoint parts of them, and every histogram, moment and keyword count no larger than the frames it was
    /// measured over (a VAD run, a keyword chunk and a speech segment each take at least one frame).
    /// </summary>
    /// <exception cref="ProfileBoundsException">A bound is broken; the message names it.</exception>
    internal void CheckBounds()
    {
        if (Frames > MaxFrames)
        {
            throw new ProfileBoundsException($"profile holds {Frames} frames, more than the {MaxFrames} allowed");
        }

        if (SpeechFrames + NonSpeechFrames > Frames || CleanSpeechFrames > SpeechFrames)
        {
            throw new ProfileBoundsException($"profile frame counts are inconsistent: {Frames} frames, {SpeechFrames} speech ({CleanSpeechFrames} clean), {NonSpeechFrames} non-speech");
        }

        // Names are built only for a message: every decoded window is checked, and almost all pass.
        IReadOnlyList<ProfileFeature> catalog = FeatureCatalog.Features;
        for (int i = 0; i < _histograms.Length; i++)
        {
            if (_histograms[i].Total > Frames || MomentsProblem(_moments[i], Frames) is not null)
            {
                Bound(catalog[i].Name, _histograms[i].Total, Frames);
                CheckMoments(catalog[i].Name, _moments[i], Frames);
            }
        }

        for (int b = 0; b < _mel.Length; b++)
        {
            if (MomentsProblem(_mel[b], CleanSpeechFrames) is not null)
            {
                CheckMoments($"mel band {b}", _mel[b], CleanSpeechFrames);
            }
        }

        PredictionProfile p = Predictions;
        Bound("segment seconds", p.SegmentSeconds.Total, Frames + 1); // a segment may end in a window it barely reaches
        Bound("VAD latency", p.VadLatencyMs.Total, Frames);
        Bound("chunk latency", p.ChunkLatencyMs.Total, Frames);
        foreach ((string name, KeywordPrediction k) in p.Keywords)
        {
            if (k.Scores.Total > Frames || k.Detections > Frames)
            {
                Bound($"keyword {name} scores", k.Scores.Total, Frames);
                Bound($"keyword {name} detections", k.Detections, Frames);
            }
        }
    }

    private static void Bound(string what, long count, long frames)
    {
        if (count > frames)
        {
            throw new ProfileBoundsException($"profile's {what} count {count} exceeds its {frames} frames");
        }
    }

    private static void CheckMoments(string what, in RunningMoments m, long frames)
    {
        if (MomentsProblem(m, frames) is { } problem)
        {
            throw new ProfileBoundsException($"profile's {what} {problem}");
        }
    }

    /// <summary>What is wrong with moments said to be over at most <paramref name="frames"/> values, or null.</summary>
    private static string? MomentsProblem(in RunningMoments m, long frames)
    {
        if (m.Count > frames)
        {
            return $"moments count {m.Count} exceeds its {frames} frames";
        }

        if (m.Count == 0)
        {
            return null;
        }

        (long count, Int128 sum, Int128 sumSquares, long min, long max) = m.Raw;
        Int128 limit = RunningMoments.MaxQuantised;
        Int128 largest = Int128.Max(Int128.Abs(min), Int128.Abs(max));
        return largest > limit || Int128.Abs(sum) > count * largest || sumSquares < 0 || sumSquares > count * largest * largest
            ? $"moments are inconsistent with their {count} values in [{min}, {max}]"
            : null;
    }

    internal void Load(long frames, long speechFrames, long cleanSpeechFrames, long nonSpeechFrames, int feature, ReadOnlySpan<long> counts, RunningMoments moments)
    {
        Frames = frames;
        SpeechFrames = speechFrames;
        CleanSpeechFrames = cleanSpeechFrames;
        NonSpeechFrames = nonSpeechFrames;
        _histograms[feature].Load(counts);
        _moments[feature] = moments;
    }

    internal void LoadDeadFrames(long stuckFrames, long converterNoiseFrames)
    {
        if (stuckFrames < 0 || converterNoiseFrames < 0 || stuckFrames + converterNoiseFrames > Frames)
        {
            throw new FormatException($"profile has {stuckFrames} stuck and {converterNoiseFrames} converter-noise frames of {Frames}");
        }

        StuckFrames = stuckFrames;
        ConverterNoiseFrames = converterNoiseFrames;
    }

    internal void LoadMel(int band, RunningMoments moments) => _mel[band] = moments;

    /// <summary>
    /// Before a load into a profile used before: clears what a load does not overwrite (every frame count, histogram
    /// and moment is overwritten; keywords, dead frames and the spread are not always in an encoding).
    /// </summary>
    internal void ClearForLoad()
    {
        StuckFrames = 0;
        ConverterNoiseFrames = 0;
        Spread = [];
        Predictions.ClearKeywords();
    }
}
