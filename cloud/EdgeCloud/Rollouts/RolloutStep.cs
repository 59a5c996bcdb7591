using System.Text.Json.Serialization;

namespace EdgeCloud.Rollouts;

/// <summary>A step of a rollout's <see cref="RolloutStepTable"/>; serialised as the strings it always had.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RolloutStep>))]
public enum RolloutStep
{
    [JsonStringEnumMemberName("shadow")]
    Shadow,

    [JsonStringEnumMemberName("stage")]
    Stage,

    [JsonStringEnumMemberName("preload")]
    Preload,

    [JsonStringEnumMemberName("switch")]
    Switch,

    [JsonStringEnumMemberName("commit")]
    Commit,

    [JsonStringEnumMemberName("done")]
    Done,
}
