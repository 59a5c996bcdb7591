using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>Rollouts and device reports for the step-table, decider and engine tests.</summary>
internal static class RolloutSamples
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);

    /// <summary>The README's kind of canary: shadow 20 s, then 50 % and 100 %, over <paramref name="devices"/> devices ranked d0, d1, ….</summary>
    public static Rollout Canary(int devices = 4, int shadowSeconds = 20, params RolloutStage[] stages) => new()
    {
        Id = "ro-1", Model = "silero_vad", Version = "v6", Kind = ModelPackageManifest.Vad, Strategy = RolloutStrategy.Canary,
        ShadowSeconds = shadowSeconds, Stages = stages.Length > 0 ? [.. stages] : [new(50, 10, false), new(100, 10, false)],
        Gates = new RolloutGates { MinDevices = 1, MinSamples = 1, MinAgreement = 0.8 }, DeviceDeadlineSeconds = 60,
        Devices = Enumerable.Range(0, devices).Select(i => new RolloutDevice { DeviceId = $"d{i}", Rank = i, Baseline = "v5" }).ToList(),
        CreatedAt = Start, StepStartedAt = Start,
    };

    public static Rollout BlueGreen(int devices = 2) => Canary(devices, 0) with { Strategy = RolloutStrategy.BlueGreen, Stages = [new(100, 5, false)] };

    public static Rollout ShadowOnly(int devices = 2) => Canary(devices, 30) with { Strategy = RolloutStrategy.Shadow, Stages = [] };

    public static RolloutDeviceReport Report(string phase, long samples = 50, double? agreement = 0.95, ulong seq = 1) =>
        new(phase, null, new CandidateHealth(samples, agreement, 0.01, 1), null, Start, seq);

    /// <summary>Every device of <paramref name="r"/> reporting <paramref name="phase"/>.</summary>
    public static Dictionary<string, RolloutDeviceReport> All(Rollout r, string phase, double? agreement = 0.95) =>
        r.Devices.ToDictionary(d => d.DeviceId, _ => Report(phase, agreement: agreement), StringComparer.Ordinal);

    public static Dictionary<string, string?> Modes(Rollout r) => r.Devices.ToDictionary(d => d.DeviceId, d => d.Mode, StringComparer.Ordinal);
}
