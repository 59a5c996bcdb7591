using System.Text.Json.Serialization;

namespace EdgeCtl.Analysis;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AnalysisReport))]
[JsonSerializable(typeof(EdgeAgent.Drift.Detection.DriftReport))]
[JsonSerializable(typeof(ModelListReport))]
[JsonSerializable(typeof(ClipListReport))]
[JsonSerializable(typeof(WatchReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
