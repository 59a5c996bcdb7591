using System.Text.Json;
using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>
/// A target of devices, <c>"all"</c> or <c>{"labels": {...}}</c> (every label given must match): what a rollout and the
/// clip policy select devices by.
/// </summary>
public static class LabelSelector
{
    /// <summary>Reads a target; the problems name <paramref name="field"/> (empty when it is valid). Labels are null for "all".</summary>
    public static List<string> Parse(JsonElement? target, string field, out Dictionary<string, string>? labels)
    {
        var problems = new List<string>();
        labels = null;
        if (target is not { } t || t.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            problems.Add($"{field} is required: \"all\" or {{\"labels\": {{...}}}}");
        }
        else if (t.ValueKind == JsonValueKind.String && t.GetString() == "all")
        {
            labels = null;
        }
        else if (t.ValueKind == JsonValueKind.Object && t.TryGetProperty("labels", out JsonElement l) && l.ValueKind == JsonValueKind.Object)
        {
            labels = [];
            foreach (JsonProperty p in l.EnumerateObject())
            {
                if (!DeviceLabels.Names.Contains(p.Name) || p.Value.ValueKind != JsonValueKind.String)
                {
                    problems.Add($"{field}.labels.{p.Name}: labels are {string.Join(", ", DeviceLabels.Names)} with string values");
                }
                else
                {
                    labels[p.Name] = p.Value.GetString()!;
                }
            }
        }
        else
        {
            problems.Add($"{field} must be \"all\" or {{\"labels\": {{...}}}}");
        }

        return problems;
    }

    /// <summary>Whether a device with <paramref name="device"/>'s labels is selected (null labels: every device).</summary>
    public static bool Selects(IReadOnlyDictionary<string, string>? labels, DeviceLabels device) =>
        labels is null || labels.All(l => device.Get(l.Key) == l.Value);
}
