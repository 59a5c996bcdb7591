using EdgeAgent.Contracts;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAgent.Clips.Tests;

public sealed class ClipDeciderTests
{
    private static readonly ClipPolicy s_on = new()
    {
        Enabled = true, PublicKey = "a2V5", MaxClipsPerHour = 3,
        Triggers = new ClipTriggers { Detections = true, NearMiss = new NearMissTrigger(0.3), RandomSpeech = new RandomSpeechTrigger(0.25), DuringDriftAlarm = true },
    };

    [Fact]
    public void Trigger_NoPolicyOrDisabledOrNoKey_CapturesNothing()
    {
        var decider = new ClipDecider(new FakeTimeProvider(), new Random(1), 4);

        foreach (ClipPolicy policy in new[] { ClipPolicy.Off, s_on with { Enabled = false }, s_on with { PublicKey = null } })
        {
            foreach (ClipCause cause in Enum.GetValues<ClipCause>())
            {
                Assert.Null(decider.Trigger(policy, cause, 0.45, alarmActive: true));
            }
        }
    }

    [Fact]
    public void Trigger_PerTrigger_FollowsThePolicy()
    {
        var decider = new ClipDecider(new FakeTimeProvider(), new Random(1), 4);

        Assert.Equal(ClipTrigger.Detection, decider.Trigger(s_on, ClipCause.Detection, 0.9, false));
        Assert.Null(decider.Trigger(s_on with { Triggers = s_on.Triggers with { Detections = false } }, ClipCause.Detection, 0.9, false));
        Assert.Equal(ClipTrigger.NearMiss, decider.Trigger(s_on, ClipCause.NearMiss, 0.3, false));
        Assert.Null(decider.Trigger(s_on, ClipCause.NearMiss, 0.29, false));
        Assert.Null(decider.Trigger(s_on with { Triggers = s_on.Triggers with { NearMiss = null } }, ClipCause.NearMiss, 0.45, false));
    }

    [Fact]
    public void Trigger_RandomSpeech_SamplesAtTheRate()
    {
        var decider = new ClipDecider(new FakeTimeProvider(), new Random(42), 4);
        ClipPolicy policy = s_on with { Triggers = s_on.Triggers with { DuringDriftAlarm = false } };

        int chosen = Enumerable.Range(0, 4000).Count(_ => decider.Trigger(policy, ClipCause.SpeechSegment, 0, false) == ClipTrigger.RandomSpeech);

        Assert.InRange(chosen, 900, 1100); // 1000 expected, sd ~27
        var again = new ClipDecider(new FakeTimeProvider(), new Random(42), 4);
        Assert.Equal(chosen, Enumerable.Range(0, 4000).Count(_ => again.Trigger(policy, ClipCause.SpeechSegment, 0, false) is not null)); // seeded: the same draws
    }

    [Fact]
    public void Trigger_SpeechDuringDriftAlarm_OnlyWhileAnAlarmIsActive()
    {
        var decider = new ClipDecider(new FakeTimeProvider(), new Random(1), 4);
        ClipPolicy policy = s_on with { Triggers = s_on.Triggers with { RandomSpeech = null } };

        Assert.Equal(ClipTrigger.DriftAlarm, decider.Trigger(policy, ClipCause.SpeechSegment, 0, alarmActive: true));
        Assert.Null(decider.Trigger(policy, ClipCause.SpeechSegment, 0, alarmActive: false));
    }

    [Fact]
    public void TryTakeQuota_MaxClipsPerHour_SlidingHour()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var decider = new ClipDecider(time, new Random(1), 4);

        Assert.True(decider.TryTakeQuota(s_on, ClipTrigger.Detection));
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.True(decider.TryTakeQuota(s_on, ClipTrigger.NearMiss));
        Assert.True(decider.TryTakeQuota(s_on, ClipTrigger.Detection));
        Assert.False(decider.TryTakeQuota(s_on, ClipTrigger.Detection));
        time.Advance(TimeSpan.FromMinutes(40)); // the first one is an hour old now
        Assert.True(decider.TryTakeQuota(s_on, ClipTrigger.Detection));
        Assert.False(decider.TryTakeQuota(s_on, ClipTrigger.RandomSpeech));
        Assert.Equal(3, decider.UsedThisHour);
    }

    [Fact]
    public void TryTakeQuota_DriftAlarm_AtMostFourPerHour()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var decider = new ClipDecider(time, new Random(1), 4);
        ClipPolicy policy = s_on with { MaxClipsPerHour = 100 };

        int taken = Enumerable.Range(0, 10).Count(_ => decider.TryTakeQuota(policy, ClipTrigger.DriftAlarm));

        Assert.Equal(4, taken);
        Assert.True(decider.TryTakeQuota(policy, ClipTrigger.Detection)); // the other triggers are not held back
        Assert.Equal(5, decider.UsedThisHour);
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(decider.TryTakeQuota(policy, ClipTrigger.DriftAlarm));
    }
}
