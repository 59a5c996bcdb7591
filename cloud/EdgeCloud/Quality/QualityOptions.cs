using System.ComponentModel.DataAnnotations;

namespace EdgeCloud.Quality;

/// <summary>Labelled quality (section <c>EdgeCloud:Quality</c>).</summary>
public sealed class QualityOptions
{
    /// <summary>The precision a cohort's labelled detections must reach (its Wilson upper bound below it, with input drift ok, is concept drift).</summary>
    [Range(0.0, 1.0)]
    public double MinPrecision { get; set; } = 0.8;

    /// <summary>Labelled detection clips a cohort needs before its precision is judged.</summary>
    [Range(1, 100_000)]
    public int MinLabelled { get; set; } = 5;

    /// <summary>Days of clips the fleet watch judges concept drift over.</summary>
    [Range(0.01, 3650)]
    public double WindowDays { get; set; } = 7;
}
