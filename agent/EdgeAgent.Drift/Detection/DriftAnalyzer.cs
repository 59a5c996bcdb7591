using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Detection;

/// <summary>
/// Compares a profile with a reference, feature by feature: a feature drifts when its distribution changed shape
/// (Jensen–Shannon distance at or above the threshold) and moved by at least the feature's minimum effect
/// (Wasserstein distance in its own unit), so more data never turns noise into drift. Without enough evidence a
/// feature is <c>insufficient-data</c>; the stream drifts when any feature does (a dead microphone is caught without
/// speech), is <c>insufficient-data</c> when any feature lacks evidence, and <c>ok</c> otherwise.
/// </summary>
public sealed class DriftAnalyzer(DriftOptions options)
{
    private const string FingerprintFeature = "mel_fingerprint";
    private const double ChunkSeconds = 0.08;

    /// <param name="thresholds">Minimum effects adapted to this device (null: the catalogue's defaults).</param>
    public DriftReport Compare(SignalProfile current, SignalProfile reference, DriftThresholds? thresholds = null)
    {
        var results = new List<FeatureResult>();
        var alarms = new List<DriftAlarm>();
        IReadOnlyList<ProfileFeature> catalog = FeatureCatalog.Features;
        for (int i = 0; i < catalog.Count; i++)
        {
            ProfileFeature f = catalog[i];
            Histogram c = current.Histograms[i], r = reference.Histograms[i];
            double evidence = Evidence(current, f.Scope);
            if (evidence < Required(f.Scope) || Evidence(reference, f.Scope) < Required(f.Scope) || c.Total == 0 || r.Total == 0)
            {
                results.Add(new FeatureResult(f.Name, f.Family, DriftReport.InsufficientData, evidence, null, null, null, null, Median(r), Median(c)));
                continue;
            }

            double js = DriftStatistics.JensenShannonDistance(c, r);
            double psi = DriftStatistics.PopulationStabilityIndex(c, r);
            double w = DriftStatistics.Wasserstein(c, r, out double shift);
            double minEffect = thresholds?.MinEffect(f) ?? f.MinEffect;
            bool moved = f.UpOnly ? shift >= minEffect : w >= minEffect;
            bool drift = moved && (!f.ShapeTest || js >= options.JensenShannonThreshold);
            results.Add(new FeatureResult(f.Name, f.Family, drift ? DriftReport.Drift : DriftReport.Ok, evidence, js, psi, w, shift, Median(r), Median(c)));
            if (drift)
            {
                alarms.Add(new DriftAlarm(f.Family, f.Name, "wasserstein", Math.Round(w, 4), minEffect, Math.Round(shift, 4), f.Unit));
            }
        }

        CompareFingerprint(current, reference, thresholds?.FingerprintDb(options.FingerprintThresholdDb) ?? options.FingerprintThresholdDb, results, alarms);
        DeadInputCheck.Compare(current, reference, options, results, alarms);
        ExplainNoiseByGain(results, alarms);
        MaskShapeUnderNoise(results, alarms);

        // Keywords and segments depend on what was said, so their lack of evidence leaves the stream's verdict alone.
        bool signalInsufficient = results.Any(r => r.Verdict == DriftReport.InsufficientData);
        ComparePredictions(current.Predictions, reference.Predictions, results, alarms);
        DeadInputCheck.Attribute(results, alarms);

        string verdict = alarms.Count > 0 ? DriftReport.Drift
            : signalInsufficient ? DriftReport.InsufficientData
            : DriftReport.Ok;
        var families = DriftFamily.All.Select(family =>
        {
            var mine = results.Where(r => r.Family == family).ToList();
            int count = alarms.Count(a => a.Family == family);
            string v = count > 0 ? DriftReport.Drift
                : mine.Count > 0 && mine.All(r => r.Verdict == DriftReport.InsufficientData) ? DriftReport.InsufficientData
                : DriftReport.Ok;
            return new FamilySummary(family, v, count);
        }).ToList();

        return new DriftReport(verdict, Math.Round(current.DurationSeconds, 2), Math.Round(current.SpeechSeconds, 2), alarms, families, results);
    }

    /// <summary>The shape of the speech spectrum across the 32 mel bands, with the overall level difference removed.</summary>
    private void CompareFingerprint(SignalProfile current, SignalProfile reference, double thresholdDb, List<FeatureResult> results, List<DriftAlarm> alarms)
    {
        double evidence = Evidence(current, FeatureScope.CleanSpeech);
        if (evidence < options.MinSpeechSeconds || Evidence(reference, FeatureScope.CleanSpeech) < options.MinSpeechSeconds)
        {
            results.Add(new FeatureResult(FingerprintFeature, DriftFamily.Bandwidth, DriftReport.InsufficientData, evidence, null, null, null, null, null, null));
            return;
        }

        double shape = DriftStatistics.FingerprintDistance(current, reference, out double mean);
        bool drift = shape >= thresholdDb;
        results.Add(new FeatureResult(FingerprintFeature, DriftFamily.Bandwidth, drift ? DriftReport.Drift : DriftReport.Ok, evidence, null, null, shape, mean, null, null));
        if (drift)
        {
            alarms.Add(new DriftAlarm(DriftFamily.Bandwidth, FingerprintFeature, "mel-shape-rms", Math.Round(shape, 3), thresholdDb, Math.Round(mean, 3), "dB"));
        }
    }

    /// <summary>
    /// The models' outputs: each keyword head's score distribution (on the chunks it scored) and the speech segment
    /// durations, with the same shape-and-effect rule as the signal features.
    /// </summary>
    private void ComparePredictions(PredictionProfile current, PredictionProfile reference, List<FeatureResult> results, List<DriftAlarm> alarms)
    {
        foreach ((string keyword, KeywordPrediction mine) in current.Keywords)
        {
            if (reference.Keywords.TryGetValue(keyword, out KeywordPrediction? theirs))
            {
                CompareHistograms($"keyword_score:{keyword}", "score", mine.Scores, theirs.Scores, mine.Scores.Total * ChunkSeconds, theirs.Scores.Total * ChunkSeconds, options.MinSpeechSeconds, options.KeywordScoreMinEffect, results, alarms);
            }
        }

        CompareHistograms("segment_seconds", "s", current.SegmentSeconds, reference.SegmentSeconds, current.SegmentSeconds.Total, reference.SegmentSeconds.Total, options.MinSegments, options.SegmentMinEffectSeconds, results, alarms);
    }

    private void CompareHistograms(string feature, string unit, Histogram c, Histogram r, double evidence, double referenceEvidence, double required, double minEffect, List<FeatureResult> results, List<DriftAlarm> alarms)
    {
        if (evidence < required || referenceEvidence < required)
        {
            results.Add(new FeatureResult(feature, DriftFamily.Prediction, DriftReport.InsufficientData, evidence, null, null, null, null, Median(r), Median(c)));
            return;
        }

        double js = DriftStatistics.JensenShannonDistance(c, r);
        double psi = DriftStatistics.PopulationStabilityIndex(c, r);
        double w = DriftStatistics.Wasserstein(c, r, out double shift);
        bool drift = w >= minEffect && js >= options.JensenShannonThreshold;
        results.Add(new FeatureResult(feature, DriftFamily.Prediction, drift ? DriftReport.Drift : DriftReport.Ok, evidence, js, psi, w, shift, Median(r), Median(c)));
        if (drift)
        {
            alarms.Add(new DriftAlarm(DriftFamily.Prediction, feature, "wasserstein", Math.Round(w, 4), minEffect, Math.Round(shift, 4), unit));
        }
    }

    /// <summary>
    /// A gain change moves speech and noise floor together (the SNR stays): that is a level alarm, not a noise alarm.
    /// The noise floor counts as noise drift only when it moved by its minimum effect relative to the speech level.
    /// </summary>
    private static void ExplainNoiseByGain(List<FeatureResult> results, List<DriftAlarm> alarms)
    {
        DriftAlarm? level = alarms.Find(a => a.Feature == "speech_level");
        DriftAlarm? noise = alarms.Find(a => a.Feature == "noise_floor");
        if (level is null || noise is null || Math.Abs(noise.Effect - level.Effect) >= noise.Threshold)
        {
            return;
        }

        alarms.Remove(noise);
        int i = results.FindIndex(r => r.Feature == "noise_floor");
        results[i] = results[i] with { Verdict = DriftReport.Ok };
    }

    /// <summary>
    /// When the signal-to-noise ratio fell a lot, the speech's spectral shape cannot be measured through the noise:
    /// shape features then say <c>insufficient-data</c> instead of blaming the microphone for the room.
    /// </summary>
    private void MaskShapeUnderNoise(List<FeatureResult> results, List<DriftAlarm> alarms)
    {
        DriftAlarm? noise = alarms.Find(a => a.Feature == "noise_floor");
        double levelShift = alarms.Find(a => a.Feature == "speech_level")?.Effect ?? 0;
        if (noise is null || noise.Effect - levelShift < options.NoiseMaskingDb)
        {
            return;
        }

        var shape = FeatureCatalog.Features.Where(f => f.Scope == FeatureScope.CleanSpeech).Select(f => f.Name).Append(FingerprintFeature).ToHashSet();
        alarms.RemoveAll(a => shape.Contains(a.Feature));
        for (int i = 0; i < results.Count; i++)
        {
            if (shape.Contains(results[i].Feature))
            {
                results[i] = results[i] with { Verdict = DriftReport.InsufficientData };
            }
        }
    }

    /// <summary>Evidence a verdict on a feature of this scope needs (seconds).</summary>
    public double Required(FeatureScope scope) => scope switch
    {
        FeatureScope.Speech or FeatureScope.CleanSpeech => options.MinSpeechSeconds,
        FeatureScope.NonSpeech => options.MinNonSpeechSeconds,
        _ => options.MinSeconds,
    };

    /// <summary>Seconds of the profile that count as evidence for a feature of this scope.</summary>
    public static double Evidence(SignalProfile profile, FeatureScope scope) => scope switch
    {
        FeatureScope.Speech => profile.SpeechSeconds,
        FeatureScope.CleanSpeech => profile.CleanSpeechFrames * SignalProfile.FrameSeconds,
        FeatureScope.NonSpeech => profile.NonSpeechFrames * SignalProfile.FrameSeconds,
        _ => profile.DurationSeconds,
    };

    private static double? Median(Histogram h) => h.Total == 0 ? null : Math.Round(h.Quantile(0.5), 4);
}
