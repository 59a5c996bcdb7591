using System.Text.Json.Serialization;

namespace EdgeCloud.Rollouts;

/// <summary>Where a rollout is as a whole; serialised (API and store) as the strings it always had.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RolloutState>))]
public enum RolloutState
{
    [JsonStringEnumMemberName("running")]
    Running,

    [JsonStringEnumMemberName("paused")]
    Paused,

    [JsonStringEnumMemberName("completed")]
    Completed,

    [JsonStringEnumMemberName("rolled-back")]
    RolledBack,

    [JsonStringEnumMemberName("aborted")]
    Aborted,
}
