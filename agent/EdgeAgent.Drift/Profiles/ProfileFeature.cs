namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// One profiled feature: its histogram layout in physical units, the frames it covers, the alarm family it
/// belongs to and the smallest change (in its unit) that counts as drift, so that more data never turns noise into drift.
/// <see cref="UpOnly"/> features alarm only when they rise (more clipping, more hum); <see cref="ShapeTest"/> false
/// means a rare-event feature judged by its effect alone (a 5% rise of clipped samples matters even though most of
/// the distribution did not move).
/// </summary>
public sealed record ProfileFeature(
    string Name,
    string Family,
    FeatureScope Scope,
    string Unit,
    double Min,
    double BinWidth,
    int Bins,
    double MinEffect,
    bool UpOnly = false,
    bool ShapeTest = true)
{
    public Histogram NewHistogram() => new(Min, BinWidth, Bins);
}
