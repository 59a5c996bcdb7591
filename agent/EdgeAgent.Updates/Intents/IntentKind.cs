using System.Text.Json.Serialization;

namespace EdgeAgent.Updates.Intents;

/// <summary>What a technician asks of a model on the device (<c>edgectl models rollback|pin|unpin</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IntentKind>))]
public enum IntentKind
{
    /// <summary>Back to the previous version.</summary>
    [JsonStringEnumMemberName("rollback")]
    Rollback,

    /// <summary>Serve one version; rollouts leave the name alone.</summary>
    [JsonStringEnumMemberName("pin")]
    Pin,

    /// <summary>Remove a pin: the active version serves again.</summary>
    [JsonStringEnumMemberName("unpin")]
    Unpin,
}
