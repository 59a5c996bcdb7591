using EdgeAgent.Core.Keywords;

namespace EdgeAgent.Core.Tests.Keywords;

public sealed class KeywordTriggerTests
{
    [Fact]
    public void Push_RunAboveThreshold_OneDetectionAtThePeak()
    {
        var trigger = new KeywordTrigger(new KeywordTriggerOptions { Threshold = 0.5f, RefractoryMs = 2000 });
        float[] scores = [0.1f, 0.6f, 0.9f, 0.7f, 0.2f, 0.1f];

        var fired = new List<(float, double)>();
        for (int i = 0; i < scores.Length; i++)
        {
            if (trigger.Push(scores[i], i * 0.08))
            {
                fired.Add((trigger.Peak, trigger.PeakTimeSec));
            }
        }

        Assert.Equal([(0.9f, 0.16)], fired);
    }

    [Fact]
    public void Push_SecondRunInsideRefractory_IsIgnored()
    {
        var trigger = new KeywordTrigger(new KeywordTriggerOptions { Threshold = 0.5f, RefractoryMs = 1000 });
        int detections = 0;
        (float Score, double Time)[] stream = [(0.9f, 0.0), (0.1f, 0.1), (0.9f, 0.5), (0.1f, 0.6), (0.9f, 1.2), (0.1f, 1.3)];
        foreach ((float score, double time) in stream)
        {
            detections += trigger.Push(score, time) ? 1 : 0;
        }

        Assert.Equal(2, detections);
    }

    [Fact]
    public void Flush_OpenRun_Completes()
    {
        var trigger = new KeywordTrigger(new KeywordTriggerOptions());
        Assert.False(trigger.Push(0.8f, 1.0, label: 3));

        Assert.True(trigger.Flush());
        Assert.Equal(3, trigger.PeakLabel);
    }
}
