using System.Text.Json.Serialization;

namespace EdgeAgent.Core.Models;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(SlotsDocument))]
internal sealed partial class ModelJsonContext : JsonSerializerContext;
