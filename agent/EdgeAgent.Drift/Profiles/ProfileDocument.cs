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

    public required List<FeatureDocument> Features { get; init; }

    public required List<MomentsDocument> Mel { get; init; }

    public static ProfileDocument From(SignalProfile profile, string? description = null) => new()
    {
        Description = description,
        Frames = profile.Frames,
        SpeechFrames = profile.SpeechFrames,
        CleanSpeechFrames = profile.CleanSpeechFrames,
        NonSpeechFrames = profile.NonSpeechFrames,
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

            var counts = new long[f.Bins + 2];
            foreach (long[] pair in d.Counts)
            {
                if (pair.Length != 2 || pair[0] < 0 || pair[0] >= counts.Length)
                {
                    throw new FormatException($"profile feature '{d.Name}': bad count entry [{string.Join(", ", pair)}]");
                }

                counts[pair[0]] = pair[1];
            }

            profile.Load(Frames, SpeechFrames, CleanSpeechFrames, NonSpeechFrames, i, counts, d.Moments.ToMoments());
        }

        for (int b = 0; b < Mel.Count; b++)
        {
            profile.LoadMel(b, Mel[b].ToMoments());
        }

        return profile;
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

    private static List<long[]> Sparse(ReadOnlySpan<long> counts)
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
