using System.Globalization;
using EdgeAgent.Drift.Detection;

namespace EdgeCloud.Quality;

/// <summary>
/// Concept drift of one cohort: its input is fine (the cohort's input drift verdict is ok) but what its keyword models
/// say no longer matches what labelers hear — a model version whose labelled precision's Wilson upper bound is below
/// the floor (<see cref="QualityOptions.MinPrecision"/>), over at least <see cref="QualityOptions.MinLabelled"/>
/// labelled detections. While the input drifts the input explains it: no verdict (the alarm holds its state).
/// </summary>
public static class ConceptDrift
{
    public const string Family = "concept";

    /// <summary>The verdict (ok, drift, insufficient-data) and, for drift, the evidence naming each collapsed model version.</summary>
    public static (string Verdict, string? Evidence) Judge(IEnumerable<QualityRow> cohortRows, string? inputVerdict, QualityOptions options)
    {
        List<QualityRow> judged = cohortRows.Where(r => r.LabelledDetections >= options.MinLabelled).ToList();
        if (judged.Count == 0 || inputVerdict != DriftReport.Ok)
        {
            return (DriftReport.InsufficientData, null);
        }

        List<QualityRow> collapsed = judged.Where(r => r.PrecisionHigh < options.MinPrecision).ToList();
        return collapsed.Count == 0
            ? (DriftReport.Ok, null)
            : (DriftReport.Drift, string.Join("; ", collapsed.Select(r => string.Create(CultureInfo.InvariantCulture,
                $"{r.Model}@{r.Version} precision {r.Precision:0.###} [{r.PrecisionLow:0.###}, {r.PrecisionHigh:0.###}] < {options.MinPrecision:0.###} over {r.LabelledDetections} labelled detections, input ok"))));
    }
}
