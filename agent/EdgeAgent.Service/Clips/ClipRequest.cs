using EdgeAgent.Clips;
using EdgeAgent.Speech.Pipeline;

namespace EdgeAgent.Service.Clips;

/// <summary>
/// Something the audio thread saw that may become a clip: the audio span it wants (absolute sample positions of the
/// stream), when it was seen, the models that served and the drift alarms active then. The worker decides and cuts.
/// </summary>
internal sealed record ClipRequest(
    ClipCause Cause,
    string? Keyword,
    float Score,
    double Threshold,
    long StartSample,
    long EndSample,
    DateTimeOffset StartAt,
    SpeechModels? Models,
    IReadOnlyList<string> Alarms);
