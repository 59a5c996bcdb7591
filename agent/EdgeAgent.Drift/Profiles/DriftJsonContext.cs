using System.Text.Json.Serialization;
using EdgeAgent.Drift.Detection;

namespace EdgeAgent.Drift.Profiles;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ProfileDocument))]
[JsonSerializable(typeof(DriftReport))]
public sealed partial class DriftJsonContext : JsonSerializerContext;
