using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;

namespace EdgeCloud.Clips;

/// <summary>
/// The body of <c>PUT /api/clips/policy</c>: <c>{target: "all" | {labels:{...}}, enabled, triggers:{detections,
/// nearMiss:{low}, randomSpeech:{rate}, duringDriftAlarm}, maxClipsPerHour, retentionDays}</c>.
/// </summary>
public sealed record ClipPolicyRequest
{
    public JsonElement? Target { get; init; }

    public bool? Enabled { get; init; }

    public TriggersRequest? Triggers { get; init; }

    public int? MaxClipsPerHour { get; init; }

    public int? RetentionDays { get; init; }

    /// <summary>The policy this request sets, or the problems with it (each naming the field).</summary>
    public (FleetClipPolicy? Policy, List<string> Problems) ToPolicy(string actor, DateTimeOffset now)
    {
        List<string> problems = LabelSelector.Parse(Target, "target", out Dictionary<string, string>? labels);
        if (Enabled is null)
        {
            problems.Add("enabled is required (true or false)");
        }

        if (MaxClipsPerHour is not { } perHour || perHour is < 0 or > 3600)
        {
            problems.Add($"maxClipsPerHour must be 0-3600 (was {Show(MaxClipsPerHour)})");
        }

        if (RetentionDays is not { } days || days is < 1 or > 3650)
        {
            problems.Add($"retentionDays must be 1-3650 (was {Show(RetentionDays)})");
        }

        TriggersRequest t = Triggers ?? new TriggersRequest();
        if (t.NearMiss is { } nearMiss && (nearMiss.Low is not { } low || !(low > 0 && low < 1)))
        {
            problems.Add($"triggers.nearMiss.low must be in (0, 1), exclusive (was {Show(nearMiss.Low)})");
        }

        if (t.RandomSpeech is { } random && (random.Rate is not { } rate || !(rate >= 0 && rate <= 1)))
        {
            problems.Add($"triggers.randomSpeech.rate must be in [0, 1] (was {Show(random.Rate)})");
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        return (new FleetClipPolicy
        {
            Labels = labels, Enabled = Enabled!.Value, MaxClipsPerHour = MaxClipsPerHour!.Value, RetentionDays = RetentionDays!.Value,
            Triggers = new ClipTriggers
            {
                Detections = t.Detections, DuringDriftAlarm = t.DuringDriftAlarm,
                NearMiss = t.NearMiss is { Low: { } l } ? new NearMissTrigger(l) : null,
                RandomSpeech = t.RandomSpeech is { Rate: { } r } ? new RandomSpeechTrigger(r) : null,
            },
            UpdatedBy = actor, UpdatedAt = now,
        }, problems);
    }

    private static string Show<T>(T? value)
        where T : struct, IFormattable => value is { } v ? v.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : "missing";
}

public sealed record TriggersRequest
{
    public bool Detections { get; init; }

    public NearMissRequest? NearMiss { get; init; }

    public RandomSpeechRequest? RandomSpeech { get; init; }

    public bool DuringDriftAlarm { get; init; }
}

public sealed record NearMissRequest(double? Low);

public sealed record RandomSpeechRequest(double? Rate);
