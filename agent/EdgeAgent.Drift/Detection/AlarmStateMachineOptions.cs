using System.ComponentModel.DataAnnotations;

namespace EdgeAgent.Drift.Detection;

public sealed class AlarmStateMachineOptions
{
    /// <summary>Consecutive drifting windows that turn a warning into an alarm.</summary>
    [Range(1, 1000)]
    public int RaiseAfter { get; set; } = 3;

    /// <summary>Consecutive clean windows that clear a recovering alarm.</summary>
    [Range(1, 1000)]
    public int ClearAfter { get; set; } = 5;
}
