namespace EdgeAgent.Drift.Detection;

/// <summary>
/// One family's alarm with hysteresis: ok → warning on a drifting window, → alarm after
/// <see cref="AlarmStateMachineOptions.RaiseAfter"/> drifting windows in a row, → recovering on a clean window, → ok after
/// <see cref="AlarmStateMachineOptions.ClearAfter"/> clean windows in a row. One noisy window neither raises nor clears an
/// alarm; a window without enough evidence changes nothing.
/// </summary>
public sealed class AlarmStateMachine(string family, AlarmStateMachineOptions options)
{
    private int _run;

    public string Family { get; } = family;

    public AlarmState State { get; private set; } = AlarmState.Ok;

    /// <summary>When the current episode began (the first drifting window); null while ok.</summary>
    public DateTimeOffset? Since { get; private set; }

    /// <summary>Feeds one window's verdict for this family; returns true when the state changed.</summary>
    public bool Observe(string verdict, DateTimeOffset at)
    {
        if (verdict == DriftReport.InsufficientData)
        {
            return false;
        }

        bool drift = verdict == DriftReport.Drift;
        AlarmState before = State;
        switch (State)
        {
            case AlarmState.Ok when drift:
                State = options.RaiseAfter <= 1 ? AlarmState.Alarm : AlarmState.Warning;
                Since = at;
                _run = 1;
                break;
            case AlarmState.Warning when drift:
                if (++_run >= options.RaiseAfter)
                {
                    State = AlarmState.Alarm;
                }

                break;
            case AlarmState.Warning:
                State = AlarmState.Ok;
                Since = null;
                break;
            case AlarmState.Alarm when !drift:
                State = AlarmState.Recovering;
                _run = 1;
                if (options.ClearAfter <= 1)
                {
                    State = AlarmState.Ok;
                    Since = null;
                }

                break;
            case AlarmState.Recovering when drift:
                State = AlarmState.Alarm;
                break;
            case AlarmState.Recovering:
                if (++_run >= options.ClearAfter)
                {
                    State = AlarmState.Ok;
                    Since = null;
                }

                break;
        }

        return State != before;
    }

    /// <summary>Restores a persisted state (after a restart).</summary>
    public void Restore(AlarmState state, DateTimeOffset? since)
    {
        State = state;
        Since = state == AlarmState.Ok ? null : since;
        _run = state is AlarmState.Alarm or AlarmState.Ok ? 0 : 1;
    }
}
