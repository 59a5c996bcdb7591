using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>
/// A stage's gate over device reports: the failure rate first (a device that failed, refused, rolled back or stayed
/// silent past its deadline), then enough evidence (devices with enough samples — too few is inconclusive, never a
/// pass), then agreement and score shift (the candidate beside the live model in shadow, the previous model beside the
/// candidate once it serves) and the p95 latency.
/// </summary>
public static class RolloutGate
{
    public static readonly string[] FailedPhases = [RolloutProgress.Failed, RolloutProgress.Rejected, RolloutProgress.RolledBackPhase];

    /// <summary>The failure rule alone (a device that failed, refused, rolled back or stayed silent): a failed result over <see cref="RolloutGates.MaxErrorRate"/>, else null.</summary>
    public static GateResult? ErrorRate(RolloutGates gates, IReadOnlyList<string> devices, IReadOnlyDictionary<string, RolloutDeviceReport> reports, out double errorRate)
    {
        var failed = devices.Where(d => reports.TryGetValue(d, out RolloutDeviceReport? r) && FailedPhases.Contains(r.Phase)).ToList();
        errorRate = devices.Count == 0 ? 0 : (double)failed.Count / devices.Count;
        if (errorRate <= gates.MaxErrorRate)
        {
            return null;
        }

        string which = string.Join("; ", failed.Take(5).Select(d => $"{d} {reports[d].Phase}: {reports[d].Reason}"));
        return GateResult.Fail($"error rate {failed.Count}/{devices.Count} = {errorRate:P0} > {gates.MaxErrorRate:P0} ({which})");
    }

    public static GateResult Evaluate(RolloutGates gates, IReadOnlyList<string> devices, IReadOnlyDictionary<string, RolloutDeviceReport> reports, string[] goodPhases, bool shadow)
    {
        if (devices.Count == 0)
        {
            return GateResult.Inconclusive("no devices in this stage");
        }

        if (ErrorRate(gates, devices, reports, out double errorRate) is { } failedRate)
        {
            return failedRate;
        }

        var reporting = devices
            .Where(d => reports.TryGetValue(d, out RolloutDeviceReport? r) && goodPhases.Contains(r.Phase) && (r.Health?.Samples ?? 0) >= gates.MinSamples)
            .Select(d => (Device: d, Health: reports[d].Health ?? new CandidateHealth(0)))
            .ToList();
        int minDevices = Math.Min(Math.Max(1, gates.MinDevices), devices.Count); // a stage smaller than minDevices needs all of them
        if (reporting.Count < minDevices)
        {
            return GateResult.Inconclusive($"only {reporting.Count} of {devices.Count} devices reported ≥ {gates.MinSamples} samples (at least {minDevices} needed)");
        }

        // Agreement: in shadow, the candidate's with the live model; once serving, the previous model's, run beside it
        // during probation (a device that cannot run it, or has too little evidence yet, reports none and is not counted).
        var compared = reporting.Where(r => shadow || r.Health.Agreement is not null).ToList();
        string against = shadow ? "shadow" : "previous-model";

        if (compared.Count > 0 && gates.MinAgreement > 0)
        {
            double agreement = compared.Average(r => r.Health.Agreement ?? 0);
            if (agreement < gates.MinAgreement)
            {
                string per = string.Join(", ", compared.Select(r => $"{r.Device} {r.Health.Agreement ?? 0:F2}"));
                return GateResult.Fail($"{against} agreement {agreement:F2} < {gates.MinAgreement:F2} ({per})");
            }
        }

        if (!shadow && gates.MinAgreement > 0 && compared.Count < minDevices)
        {
            // Measure, don't assume: a serving stage passes minAgreement only on devices that measured it.
            return GateResult.Inconclusive($"only {compared.Count} of {devices.Count} serving devices reported their agreement with the previous model run beside the candidate (at least {minDevices} needed for minAgreement)");
        }

        if (compared.Count > 0 && gates.MaxScoreShift > 0)
        {
            double shift = compared.Average(r => r.Health.ScoreShift);
            if (shift > gates.MaxScoreShift)
            {
                return GateResult.Fail($"{against} score shift {shift:F3} > {gates.MaxScoreShift:F3}: the candidate's predictions drift from the {(shadow ? "live" : "previous")} model's");
            }
        }

        if (gates.MaxP95Ms > 0 && reporting.MaxBy(r => r.Health.P95Ms) is { } slowest && slowest.Health.P95Ms > gates.MaxP95Ms)
        {
            return GateResult.Fail($"p95 latency {slowest.Health.P95Ms:F2} ms on {slowest.Device} > {gates.MaxP95Ms:F2} ms");
        }

        string summary = shadow
            ? $"agreement {reporting.Average(r => r.Health.Agreement ?? 0):F2} over {reporting.Count} devices, {reporting.Sum(r => r.Health.Samples)} samples"
            : $"{reporting.Count} devices healthy, error rate {errorRate:P0}";
        return GateResult.Pass(summary);
    }
}

/// <summary>
/// A canary stage's labelled gates (<see cref="RolloutGates.MinPrecision"/>, <see cref="RolloutGates.MaxFalseAcceptsPerHour"/>):
/// inconclusive until enough of the stage's detection clips are labelled, then pass or fail on the labelled precision and
/// the false accepts per hour it implies.
/// </summary>
public static class LabelledGate
{
    /// <summary>The verdict over <paramref name="quality"/> (the candidate on the stage's devices since the stage began; null: nothing yet).</summary>
    public static GateResult Evaluate(RolloutGates gates, Quality.QualityRow? quality)
    {
        long labelled = quality?.LabelledDetections ?? 0;
        if (quality is null || labelled < gates.MinLabelled || quality.Precision is not { } precision)
        {
            return GateResult.Inconclusive($"waiting for labels: {labelled} of {gates.MinLabelled} detection clips labelled");
        }

        string measured = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"labelled precision {precision:0.###} [{quality.PrecisionLow:0.###}, {quality.PrecisionHigh:0.###}] over {labelled} clips");
        if (gates.MinPrecision is { } min && precision < min)
        {
            return GateResult.Fail(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{measured} < {min:0.###}"));
        }

        if (gates.MaxFalseAcceptsPerHour is { } max)
        {
            if (quality.FalseAcceptsPerHour is not { } perHour)
            {
                return GateResult.Inconclusive($"{measured}; no audio hours reported yet for false accepts per hour");
            }

            if (perHour > max)
            {
                return GateResult.Fail(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{perHour:0.##} false accepts per hour > {max:0.##} ({measured})"));
            }

            measured += string.Create(System.Globalization.CultureInfo.InvariantCulture, $", {perHour:0.##} false accepts per hour");
        }

        return GateResult.Pass(measured);
    }
}

/// <summary>A gate's verdict: pass, fail, or inconclusive (not enough evidence yet — never a pass).</summary>
public sealed record GateResult(GateOutcome Outcome, string Reason)
{
    public const GateOutcome Passed = GateOutcome.Pass;
    public const GateOutcome Failed = GateOutcome.Fail;
    public const GateOutcome Undecided = GateOutcome.Inconclusive;

    public static GateResult Pass(string reason) => new(GateOutcome.Pass, reason);

    public static GateResult Fail(string reason) => new(GateOutcome.Fail, reason);

    public static GateResult Inconclusive(string reason) => new(GateOutcome.Inconclusive, reason);
}
