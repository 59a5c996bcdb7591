using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Detection;

/// <summary>
/// Every way a microphone goes silent, named in the evidence: exact zeros (<c>digital_silence</c>, test
/// <c>exact-zeros</c>) or dropouts (the same feature, test <c>dropouts</c>, when signal remains between the gaps); a
/// stuck value (<c>stuck_value</c>: frames of one repeated non-zero sample); converter noise (<c>converter_noise</c>:
/// most frames within ±2 LSB with a white spectrum, no speech, and a noise floor far below the reference's). None of
/// them needs speech. A dead input (anything but dropouts) explains every other family's alarm over the same audio, so
/// those become <c>insufficient-data</c> rather than being blamed on the room or the models.
/// </summary>
internal static class DeadInputCheck
{
    private const string Silence = "digital_silence";
    private const string StuckFeature = "stuck_value";
    private const string ConverterFeature = "converter_noise";
    private const double DeadShare = 0.9;        // digital silence in this share of frames: the input is dead, not dropping out
    private const double StuckMinEffect = 0.025; // as for digital silence
    private const double ConverterMinShare = 0.5;
    private const double ConverterFloorDropDb = 20;

    public static void Compare(SignalProfile current, SignalProfile reference, DriftOptions options, List<FeatureResult> results, List<DriftAlarm> alarms)
    {
        int silence = alarms.FindIndex(a => a.Feature == Silence);
        if (silence >= 0)
        {
            double share = current.Moments[FeatureCatalog.IndexOf(Silence)].Mean;
            alarms[silence] = alarms[silence] with { Test = share >= DeadShare ? "exact-zeros" : "dropouts" };
        }

        if (current.DurationSeconds < options.MinSeconds || reference.Frames == 0)
        {
            results.Add(Insufficient(StuckFeature, current));
            results.Add(Insufficient(ConverterFeature, current));
            return;
        }

        double stuck = Share(current.StuckFrames, current), stuckMoved = stuck - Share(reference.StuckFrames, reference);
        bool stuckDrift = stuckMoved >= StuckMinEffect;
        results.Add(Result(StuckFeature, stuckDrift, current, stuck, stuckMoved));
        if (stuckDrift)
        {
            alarms.Add(new DriftAlarm(DriftFamily.DeadInput, StuckFeature, "constant-samples", Math.Round(stuck, 4), StuckMinEffect, Math.Round(stuckMoved, 4), "ratio"));
        }

        // Converter noise: most frames at the format's floor, no speech, and a noise floor far below the reference's.
        double converter = Share(current.ConverterNoiseFrames, current), converterMoved = converter - Share(reference.ConverterNoiseFrames, reference);
        double drop = Median(reference, "noise_floor") - Median(current, "noise_floor");
        bool converterDrift = converterMoved >= ConverterMinShare && current.SpeechSeconds < options.MinSpeechSeconds && drop >= ConverterFloorDropDb;
        results.Add(Result(ConverterFeature, converterDrift, current, converter, converterMoved));
        if (converterDrift)
        {
            alarms.Add(new DriftAlarm(DriftFamily.DeadInput, ConverterFeature, "format-floor", Math.Round(converter, 4), ConverterMinShare, Math.Round(converterMoved, 4), "ratio"));
        }
    }

    /// <summary>A dead input (not mere dropouts) explains the other families' alarms over the same audio.</summary>
    public static void Attribute(List<FeatureResult> results, List<DriftAlarm> alarms)
    {
        if (!alarms.Any(a => a.Family == DriftFamily.DeadInput && a.Test != "dropouts"))
        {
            return;
        }

        var explained = alarms.Where(a => a.Family != DriftFamily.DeadInput).Select(a => a.Feature).ToHashSet();
        alarms.RemoveAll(a => a.Family != DriftFamily.DeadInput);
        for (int i = 0; i < results.Count; i++)
        {
            if (explained.Contains(results[i].Feature))
            {
                results[i] = results[i] with { Verdict = DriftReport.InsufficientData };
            }
        }
    }

    private static double Share(long frames, SignalProfile p) => p.Frames == 0 ? 0 : (double)frames / p.Frames;

    private static double Median(SignalProfile p, string feature)
    {
        Histogram h = p.Histograms[FeatureCatalog.IndexOf(feature)];
        return h.Total == 0 ? double.NaN : h.Quantile(0.5);
    }

    private static FeatureResult Insufficient(string feature, SignalProfile current) =>
        new(feature, DriftFamily.DeadInput, DriftReport.InsufficientData, current.DurationSeconds, null, null, null, null, null, null);

    private static FeatureResult Result(string feature, bool drift, SignalProfile current, double share, double moved) =>
        new(feature, DriftFamily.DeadInput, drift ? DriftReport.Drift : DriftReport.Ok, current.DurationSeconds, null, null, Math.Round(share, 4), Math.Round(moved, 4), null, null);
}
