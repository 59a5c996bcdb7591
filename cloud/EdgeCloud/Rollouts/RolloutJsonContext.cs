using System.Text.Json.Serialization;

namespace EdgeCloud.Rollouts;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Rollout))]
[JsonSerializable(typeof(RolloutDeviceReport))]
internal sealed partial class RolloutJsonContext : JsonSerializerContext;
