using System.Text.Json.Serialization;

namespace EdgeAgent.Contracts;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(StatusPayload))]
[JsonSerializable(typeof(SummaryPayload))]
[JsonSerializable(typeof(EventPayload))]
[JsonSerializable(typeof(CommandPayload))]
[JsonSerializable(typeof(CommandAck))]
[JsonSerializable(typeof(DeviceLabels))]
[JsonSerializable(typeof(ModelPackageManifest))]
[JsonSerializable(typeof(SignedModelManifest))]
[JsonSerializable(typeof(SignedContent))]
[JsonSerializable(typeof(DesiredState))]
[JsonSerializable(typeof(ReportedState))]
[JsonSerializable(typeof(RolloutProgress))]
[JsonSerializable(typeof(ClipPolicy))]
[JsonSerializable(typeof(ClipMetadata))]
[JsonSerializable(typeof(ClipEnvelopeHeader))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
