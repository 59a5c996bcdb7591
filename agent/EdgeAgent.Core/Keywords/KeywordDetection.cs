namespace EdgeAgent.Core.Keywords;

/// <summary>
/// A recognised keyword. <see cref="Label"/> is the class for multi-class heads (e.g. the timer length), else null.
/// </summary>
public sealed record KeywordDetection(
    string Keyword,
    double TimeSec,
    float Score,
    string Model,
    string Version,
    string? Label = null);
