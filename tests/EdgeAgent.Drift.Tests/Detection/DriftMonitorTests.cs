using EdgeAgent.Drift.Detection;

namespace EdgeAgent.Drift.Tests.Detection;

public sealed class DriftMonitorTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Push_LearnsABaselineThenRaisesAndClearsAGainAlarm()
    {
        var monitor = new DriftMonitor(
            new DriftMonitorOptions { WindowSeconds = 5, EvaluationWindows = 2, BaselineSpeechSeconds = 10 },
            new DriftOptions { MinSpeechSeconds = 4, MinNonSpeechSeconds = 2, MinSeconds = 4 },
            new AlarmStateMachineOptions { RaiseAfter = 3, ClearAfter = 3 },
            reference: null);
        var source = new FakeRoom(seed: 5);
        var log = new List<string>();
        DateTimeOffset now = s_t0;

        void Run(int windows, float gain)
        {
            for (int w = 0; w < windows; w++)
            {
                DriftWindow? closed = null;
                while (closed is null)
                {
                    now = now.AddMilliseconds(32);
                    (float[] frame, float p) = source.Next(gain);
                    closed = monitor.Push(frame, p, now);
                }

                if (closed.BaselineLearned)
                {
                    log.Add("baseline");
                }

                log.AddRange(closed.Changes.Select(c => $"{c.Family}:{c.To}"));
            }
        }

        Run(6, 1f);     // learn (10 s of speech at 50% speech = 4 windows), then steady
        Assert.True(monitor.ReferenceIsBaseline);
        Assert.Equal(["baseline"], log);

        Run(6, 0.25f);  // −12 dB: warning, then alarm on the third drifting evaluation
        Assert.Equal(AlarmState.Alarm, monitor.Alarms.Single(a => a.Family == "level").State);
        Assert.Equal(["baseline", "level:Warning", "level:Alarm"], log);

        Run(8, 1f);     // back to normal: recovering, then ok
        Assert.Equal(AlarmState.Ok, monitor.Alarms.Single(a => a.Family == "level").State);
        Assert.Equal(["baseline", "level:Warning", "level:Alarm", "level:Recovering", "level:Ok"], log);
        Assert.All(monitor.Alarms, a => Assert.Equal(AlarmState.Ok, a.State));
    }

    [Fact]
    public void AModelsTrainingReference_IsComparedWithAsWell_SoInputUnlikeItAlarmsEvenThoughTheBaselineLearnedIt()
    {
        var options = new DriftMonitorOptions { WindowSeconds = 5, EvaluationWindows = 2, BaselineSpeechSeconds = 10 };
        var drift = new DriftOptions { MinSpeechSeconds = 4, MinNonSpeechSeconds = 2, MinSeconds = 4 };
        var alarms = new AlarmStateMachineOptions { RaiseAfter = 3, ClearAfter = 3 };
        DateTimeOffset now = s_t0;

        // What the model was trained on: the room at its normal level.
        var training = new DriftMonitor(options, drift, alarms, reference: null);
        var room = new FakeRoom(seed: 7);
        List<DriftWindow> Run(DriftMonitor monitor, int windows, float gain)
        {
            var closed = new List<DriftWindow>();
            while (closed.Count < windows)
            {
                now = now.AddMilliseconds(32);
                (float[] frame, float p) = room.Next(gain);
                if (monitor.Push(frame, p, now) is { } w)
                {
                    closed.Add(w);
                }
            }

            return closed;
        }

        Run(training, 5, 1f);
        Assert.True(training.ReferenceIsBaseline);

        // A device 12 dB quieter from its first minute: its own baseline learns the quiet level, so only the model's
        // reference can tell.
        var device = new DriftMonitor(options, drift, alarms, reference: null);
        device.UseModelReference(training.Reference, "silero_vad@v6");
        List<DriftWindow> windows = Run(device, 10, 0.25f);

        Assert.True(device.ReferenceIsBaseline);
        Assert.Equal(AlarmState.Alarm, device.Alarms.Single(a => a.Family == "level").State);
        AlarmChange raised = windows.SelectMany(w => w.Changes).Last(c => c.Family == "level");
        Assert.NotEmpty(raised.Evidence);
        Assert.All(raised.Evidence, e => Assert.Equal("the model's training reference (silero_vad@v6)", e.Against));
        DriftWindow last = windows[^1];
        Assert.Equal("drift", last.ModelReport!.Families.Single(f => f.Family == "level").Verdict);
        Assert.Equal("ok", last.Report!.Families.Single(f => f.Family == "level").Verdict);

        // Without it, the same device raises nothing.
        var alone = new DriftMonitor(options, drift, alarms, reference: null);
        Assert.Empty(Run(alone, 10, 0.25f).SelectMany(w => w.Changes));
    }

    /// <summary>Alternating half-second bursts of "speech" (loud noise, VAD 0.9) and room tone (VAD 0.05).</summary>
    private sealed class FakeRoom(int seed)
    {
        private readonly Random _rng = new(seed);
        private readonly float[] _frame = new float[512];
        private int _index;

        public (float[] Frame, float Probability) Next(float gain)
        {
            bool speech = _index++ / 16 % 2 == 0;
            float amplitude = (speech ? 0.1f : 0.002f) * gain;
            for (int i = 0; i < _frame.Length; i++)
            {
                _frame[i] = amplitude * (float)(_rng.NextDouble() * 2 - 1);
            }

            return (_frame, speech ? 0.9f : 0.05f);
        }
    }
}
