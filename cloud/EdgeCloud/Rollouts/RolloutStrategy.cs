using System.Text.Json.Serialization;

namespace EdgeCloud.Rollouts;

/// <summary>How a rollout goes; each has its <see cref="RolloutStepTable"/>. Serialised as "shadow", "canary", "blue-green".</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RolloutStrategy>))]
public enum RolloutStrategy
{
    [JsonStringEnumMemberName("shadow")]
    Shadow,

    [JsonStringEnumMemberName("canary")]
    Canary,

    [JsonStringEnumMemberName("blue-green")]
    BlueGreen,
}
