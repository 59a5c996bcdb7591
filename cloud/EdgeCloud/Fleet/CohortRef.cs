namespace EdgeCloud.Fleet;

/// <summary>A cohort: the label (deviceModel, micModel, firmware, site) and the value its devices share.</summary>
public sealed record CohortRef(string Label, string Value)
{
    public override string ToString() => $"{Label}={Value}";
}
