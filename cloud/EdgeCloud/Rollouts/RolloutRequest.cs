using System.Text.Json;

namespace EdgeCloud.Rollouts;

/// <summary>The body of <c>POST /api/rollouts</c>.</summary>
public sealed record RolloutRequest
{
    public string? Model { get; init; }

    public string? Version { get; init; }

    /// <summary><c>"all"</c> or <c>{"labels": {...}}</c>.</summary>
    public JsonElement? Target { get; init; }

    public string? Strategy { get; init; }

    public List<RolloutStage>? Stages { get; init; }

    public int ShadowSeconds { get; init; }

    public RolloutGates? Gates { get; init; }

    public int? ProbationSeconds { get; init; }

    public int? DeviceDeadlineSeconds { get; init; }

    public static readonly string[] Strategies = ["shadow", "canary", "blue-green"];

    /// <summary>The problems with this request, each naming the field; empty when it is valid.</summary>
    public List<string> Problems(out Dictionary<string, string>? labels)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Model))
        {
            problems.Add("model is required");
        }

        if (string.IsNullOrWhiteSpace(Version))
        {
            problems.Add("version is required");
        }

        if (Strategy is null || !Strategies.Contains(Strategy))
        {
            problems.Add($"strategy must be one of {string.Join(", ", Strategies)}");
        }

        problems.AddRange(LabelSelector.Parse(Target, "target", out labels));

        if (Strategy == "canary" && (Stages is null || Stages.Count == 0))
        {
            problems.Add("stages are required for a canary (e.g. [{\"percent\":50,\"bakeSeconds\":60}])");
        }

        if (Stages is not null)
        {
            for (int i = 0; i < Stages.Count; i++)
            {
                if (Stages[i].Percent is < 1 or > 100 || (i > 0 && Stages[i].Percent < Stages[i - 1].Percent) || Stages[i].BakeSeconds < 0)
                {
                    problems.Add($"stages[{i}]: percent must be 1–100 and not below the previous stage's, bakeSeconds ≥ 0");
                }
            }
        }

        if (Strategy == "shadow" && ShadowSeconds <= 0)
        {
            problems.Add("shadowSeconds must be > 0 for a shadow rollout");
        }

        if (ShadowSeconds < 0 || ProbationSeconds is < 0 || DeviceDeadlineSeconds is <= 0)
        {
            problems.Add("shadowSeconds and probationSeconds must be ≥ 0, deviceDeadlineSeconds > 0");
        }

        if (Gates is { } g && (g.MinDevices < 0 || g.MinSamples < 0 || g.MinAgreement is < 0 or > 1 || g.MaxP95Ms < 0 || g.MaxErrorRate is < 0 or > 1 || g.MaxScoreShift < 0))
        {
            problems.Add("gates: minDevices, minSamples, maxP95Ms, maxScoreShift ≥ 0; minAgreement and maxErrorRate within 0–1");
        }

        if (Gates is { } lg && (lg.MinPrecision is < 0 or > 1 || lg.MaxFalseAcceptsPerHour is < 0 || lg.MinLabelled < 1 || (lg.MinPrecision is { } mp && !double.IsFinite(mp)) || (lg.MaxFalseAcceptsPerHour is { } fa && !double.IsFinite(fa))))
        {
            problems.Add("gates: minPrecision within 0–1, maxFalseAcceptsPerHour ≥ 0, minLabelled ≥ 1");
        }

        if (Gates is { Labelled: true } && Strategy != "canary")
        {
            problems.Add("gates.minPrecision and gates.maxFalseAcceptsPerHour apply to canary stages: use strategy canary");
        }

        return problems;
    }
}
