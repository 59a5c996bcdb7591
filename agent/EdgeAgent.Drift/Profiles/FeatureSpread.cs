namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// Segment-level statistics of one feature of a reference: how many segments (chunks of the reference, or a learned
/// baseline's windows), and the mean and σ of their distances from the whole — the reference's own spread, from
/// which its thresholds adapt.
/// </summary>
public sealed record FeatureSpread(string Feature, int Segments, double Mean, double Sigma);
