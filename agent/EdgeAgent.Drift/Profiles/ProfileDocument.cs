using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// The versioned JSON form of a <see cref="SignalProfile"/> (what <c>edgectl profile build</c> writes and a model
/// version ships with). Histograms are sparse: [bin, count] pairs; exact moments keep their integer sums as strings.
/// </summary>
public sealed record ProfileDocument
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public string? Description { get; init; }

    public long Frames { get; init; }

    public long SpeechFrames { get; init; }

    public long CleanSpeechFrames { get; init; }

    public long NonSpeechFrames { get; init; }

    /// <summary>Frames of one repeated non-zero value (absent in older profiles: 0).</summary>
    public long StuckFrames { get; init; }

    /// <summary>Frames of converter noise only (absent in older profiles: 0).</summary>
    public long ConverterNoiseFrames { get; init; }

    public required List<FeatureDocument> Features { get; init; }

    public required List<MomentsDocument> Mel { get; init; }

    /// <summary>
    /// The reference's own spread: per feature, the distances of its segments from the whole (absent in profiles
    /// written before segment statistics, and in merged profiles: the default thresholds apply).
    /// </summary>
    public List<FeatureSpread>? Spread { get; init; }

    /// <summary>What the models predicted (absent in profiles written before prediction features: read as empty).</summary>
    public PredictionsDocument? Predictions { get; init; }

    public static ProfileDocument From(SignalProfile profile, string? description = null, IReadOnlyList<FeatureSpread>? spread = null) => new()
    {
        Description = description,
        Spread = (spread ?? profile.Spread) is { Count: > 0 } s ? s.ToList() : null,
        Frames = profile.Frames,
        SpeechFrames = profile.SpeechFrames,
        CleanSpeechFrames = profile.CleanSpeechFrames,
        NonSpeechFrames = profile.NonSpeechFrames,
        StuckFrames = profile.StuckFrames,
        ConverterNoiseFrames = profile.ConverterNoiseFrames,
        Features = FeatureCatalog.Features.Select((f, i) => new FeatureDocument
        {
            Name = f.Name,
            Min = f.Min,
            BinWidth = f.BinWidth,
            Bins = f.Bins,
            Counts = Sparse(profile.Histograms[i].Counts),
            Moments = MomentsDocument.From(profile.Moments[i]),
        }).ToList(),
        Mel = profile.MelBands.Select(MomentsDocument.From).ToList(),
        Predictions = PredictionsDocument.From(profile.Predictions),
    };

    /// <exception cref="FormatException">The document does not describe a profile of this version; the message says why.</exception>
    public SignalProfile ToProfile()
    {
        if (SchemaVersion != CurrentSchemaVersion)
        {
            throw new FormatException($"profile schemaVersion {SchemaVersion} is not supported (expected {CurrentSchemaVersion})");
        }

        IReadOnlyList<ProfileFeature> catalog = FeatureCatalog.Features;
        if (Features.Count != catalog.Count || Mel.Count != EdgeAgent.Drift.Features.FrameFeatureExtractor.MelBands)
        {
            throw new FormatException($"profile has {Features.Count} features and {Mel.Count} mel bands, expected {catalog.Count} and 32");
        }

        var profile = new SignalProfile();
        for (int i = 0; i < catalog.Count; i++)
        {
            FeatureDocument d = Features[i];
            ProfileFeature f = catalog[i];
            if (d.Name != f.Name || d.Min != f.Min || d.BinWidth != f.BinWidth || d.Bins != f.Bins)
            {
                throw new FormatException($"profile feature {i} is '{d.Name}' [{d.Min}, +{d.BinWidth} × {d.Bins}], expected '{f.Name}' [{f.Min}, +{f.BinWidth} × {f.Bins}]");
            }

            profile.Load(Frames, SpeechFrames, CleanSpeechFrames, NonSpeechFrames, i, Dense(d.Counts, f.Bins, $"feature '{d.Name}'"), d.Moments.ToMoments());
        }

        for (int b = 0; b < Mel.Count; b++)
        {
            profile.LoadMel(b, Mel[b].ToMoments());
        }

        profile.LoadDeadFrames(StuckFrames, ConverterNoiseFrames);
        profile.Spread = Spread is null ? [] : CheckedSpread(Spread);

        Predictions?.LoadInto(profile.Predictions);
        return profile;
    }

    internal static List<FeatureSpread> CheckedSpread(List<FeatureSpread> spread)
    {
        foreach (FeatureSpread s in spread)
        {
            if (string.IsNullOrWhiteSpace(s.Feature) || s.Segments < 0 || !double.IsFinite(s.Mean) || !double.IsFinite(s.Sigma) || s.Mean < 0 || s.Sigma < 0)
            {
                throw new FormatException($"profile spread entry '{s.Feature}' needs a name, a segment count and a non-negative mean and sigma");
            }
        }

        return spread;
    }

    /// <summary>Counts from [bin, count] pairs, checked against the histogram's layout.</summary>
    internal static long[] Dense(List<long[]> pairs, int bins, string what)
    {
        var counts = new long[bins + 2];
        foreach (long[] pair in pairs)
        {
            if (pair.Length != 2 || pair[0] < 0 || pair[0] >= counts.Length || pair[1] < 0)
            {
                throw new FormatException($"profile {what}: bad count entry [{string.Join(", ", pair)}]");
            }

            counts[pair[0]] = pair[1];
        }

        return counts;
    }

    /// <summary>A profile carried inside another document (a model manifest's <c>referenceProfile</c>).</summary>
    public static ProfileDocument Parse(JsonElement json, string what)
    {
        try
        {
            return json.Deserialize(DriftJsonContext.Default.ProfileDocument) ?? throw new FormatException($"{what}: empty profile");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new FormatException($"{what}: not a profile: {ex.Message}", ex);
        }
    }

    public static ProfileDocument Read(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, DriftJsonContext.Default.ProfileDocument)
                ?? throw new FormatException($"{path}: empty profile");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path}: not a profile: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"{path}: cannot read: {ex.Message}", ex);
        }
    }

    public void Write(string path)
    {
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(this, DriftJsonContext.Default.ProfileDocument));
        File.Move(temp, path, overwrite: true);
    }

    internal static List<long[]> Sparse(ReadOnlySpan<long> counts)
    {
        var pairs = new List<long[]>();
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                pairs.Add([i, counts[i]]);
            }
        }

        return pairs;
    }
}

/// <summary>The prediction features of a profile; histograms as sparse [bin, count] pairs.</summary>
public sealed record PredictionsDocument
{
    public required List<long[]> SegmentSeconds { get; init; }

    public required List<long[]> VadLatencyMs { get; init; }

    public required List<long[]> ChunkLatencyMs { get; init; }

    public required List<KeywordDocument> Keywords { get; init; }

    public static PredictionsDocument From(PredictionProfile p) => new()
    {
        SegmentSeconds = ProfileDocument.Sparse(p.SegmentSeconds.Counts),
        VadLatencyMs = ProfileDocument.Sparse(p.VadLatencyMs.Counts),
        ChunkLatencyMs = ProfileDocument.Sparse(p.ChunkLatencyMs.Counts),
        Keywords = p.Keywords.Select(k => new KeywordDocument { Name = k.Key, Detections = k.Value.Detections, Scores = ProfileDocument.Sparse(k.Value.Scores.Counts) }).ToList(),
    };

    internal void LoadInto(PredictionProfile p)
    {
        p.SegmentSeconds.Load(ProfileDocument.Dense(SegmentSeconds, p.SegmentSeconds.Bins, "segment durations"));
        p.VadLatencyMs.Load(ProfileDocument.Dense(VadLatencyMs, p.VadLatencyMs.Bins, "VAD latency"));
        p.ChunkLatencyMs.Load(ProfileDocument.Dense(ChunkLatencyMs, p.ChunkLatencyMs.Bins, "chunk latency"));
        foreach (KeywordDocument k in Keywords)
        {
            if (string.IsNullOrWhiteSpace(k.Name) || k.Detections < 0)
            {
                throw new FormatException($"profile keyword '{k.Name}': needs a name and a non-negative detection count");
            }

            KeywordPrediction keyword = p.Keyword(k.Name);
            keyword.Scores.Load(ProfileDocument.Dense(k.Scores, keyword.Scores.Bins, $"keyword '{k.Name}' scores"));
            keyword.Detections = k.Detections;
        }
    }
}

public sealed record KeywordDocument
{
    public required string Name { get; init; }

    public long Detections { get; init; }

    public required List<long[]> Scores { get; init; }
}

public sealed record FeatureDocument
{
    public required string Name { get; init; }

    public double Min { get; init; }

    public double BinWidth { get; init; }

    public int Bins { get; init; }

    /// <summary>[bin, count] pairs; bin 0 is the underflow, Bins + 1 the overflow.</summary>
    public required List<long[]> Counts { get; init; }

    public required MomentsDocument Moments { get; init; }
}

public sealed record MomentsDocument
{
    public long Count { get; init; }

    public string Sum { get; init; } = "0";

    public string SumSquares { get; init; } = "0";

    public long Min { get; init; }

    public long Max { get; init; }

    [JsonIgnore]
    public double Mean => Count == 0 ? double.NaN : (double)Int128.Parse(Sum, CultureInfo.InvariantCulture) / Count / RunningMoments.Scale;

    public static MomentsDocument From(RunningMoments m)
    {
        (long count, Int128 sum, Int128 sumSquares, long min, long max) = m.Raw;
        return new MomentsDocument
        {
            Count = count,
            Sum = sum.ToString(CultureInfo.InvariantCulture),
            SumSquares = sumSquares.ToString(CultureInfo.InvariantCulture),
            Min = min,
            Max = max,
        };
    }

    public RunningMoments ToMoments() => RunningMoments.FromRaw(
        Count,
        Int128.Parse(Sum, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        Int128.Parse(SumSquares, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        Min,
        Max);
}
