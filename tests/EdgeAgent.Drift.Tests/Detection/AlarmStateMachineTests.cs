using EdgeAgent.Drift.Detection;

namespace EdgeAgent.Drift.Tests.Detection;

public sealed class AlarmStateMachineTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Observe_OneNoisyWindow_NeitherRaisesNorClears()
    {
        var machine = New();

        Feed(machine, "drift", "ok", "ok");
        Assert.Equal(AlarmState.Ok, machine.State);

        Feed(machine, "drift", "drift", "drift");
        Assert.Equal(AlarmState.Alarm, machine.State);

        Feed(machine, "ok", "drift", "ok");
        Assert.Equal(AlarmState.Recovering, machine.State);
    }

    [Fact]
    public void Observe_FullEpisode_GoesThroughEveryStateAndKeepsItsStart()
    {
        var machine = New();
        var states = new List<AlarmState>();
        string[] verdicts = ["ok", "drift", "drift", "drift", "drift", "ok", "ok", "ok", "ok", "ok"];
        for (int i = 0; i < verdicts.Length; i++)
        {
            machine.Observe(verdicts[i], s_t0.AddMinutes(i));
            states.Add(machine.State);
            if (i == 4)
            {
                Assert.Equal(s_t0.AddMinutes(1), machine.Since);
            }
        }

        Assert.Equal(
            [AlarmState.Ok, AlarmState.Warning, AlarmState.Warning, AlarmState.Alarm, AlarmState.Alarm,
             AlarmState.Recovering, AlarmState.Recovering, AlarmState.Recovering, AlarmState.Recovering, AlarmState.Ok],
            states);
        Assert.Null(machine.Since);
    }

    [Fact]
    public void Observe_InsufficientData_ChangesNothing()
    {
        var machine = New();
        Feed(machine, "drift", "drift", "drift");

        Assert.False(machine.Observe("insufficient-data", s_t0));
        Assert.Equal(AlarmState.Alarm, machine.State);
    }

    private static AlarmStateMachine New() => new("noise", new AlarmStateMachineOptions { RaiseAfter = 3, ClearAfter = 5 });

    private static void Feed(AlarmStateMachine machine, params string[] verdicts)
    {
        foreach (string v in verdicts)
        {
            machine.Observe(v, s_t0);
        }
    }
}
