using System.Text.Json.Serialization;
using EdgeAgent.Contracts;

namespace EdgeCloud.Storage;

/// <summary>JSON columns of the PostgreSQL store.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeviceLabels))]
[JsonSerializable(typeof(List<ModelRef>))]
[JsonSerializable(typeof(Dictionary<string, AlarmStatus>))]
[JsonSerializable(typeof(Dictionary<string, long>))]
[JsonSerializable(typeof(AlarmStatus))]
[JsonSerializable(typeof(Dictionary<string, ImplicitSignals>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(ClipLabels))]
internal sealed partial class CloudJsonContext : JsonSerializerContext;
