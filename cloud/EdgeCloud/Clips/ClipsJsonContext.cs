using System.Text.Json.Serialization;

namespace EdgeCloud.Clips;

/// <summary>The stored clip policy (a setting's value).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FleetClipPolicy))]
internal sealed partial class ClipsJsonContext : JsonSerializerContext;
