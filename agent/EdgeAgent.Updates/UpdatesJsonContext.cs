using System.Text.Json.Serialization;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SlotsDocument))]
[JsonSerializable(typeof(TechnicianIntent))]
public sealed partial class UpdatesJsonContext : JsonSerializerContext;
