using EdgeAgent.Contracts;

namespace EdgeAgent.Clips.Tests;

public sealed class ImplicitSignalCounterTests
{
    /// <summary>VAD frames of 32 ms from <paramref name="from"/> to <paramref name="to"/>, speech where <paramref name="speech"/> says.</summary>
    private static void Frames(ImplicitSignalCounter counter, double from, double to, Func<double, bool> speech)
    {
        for (double t = from; t < to; t += 0.032)
        {
            counter.OnVadFrame(speech(t), t, t + 0.032);
        }
    }

    [Fact]
    public void OnDetection_AgainWithinFourSeconds_IsARepeat()
    {
        var counter = new ImplicitSignalCounter();
        Frames(counter, 0, 1, _ => true);
        counter.OnDetection("hey_jarvis", 1.0);
        Frames(counter, 1, 3.5, t => t < 1.2 || t > 2.5);
        counter.OnDetection("hey_jarvis", 3.5);   // 2.5 s later: a repeat
        counter.OnDetection("alexa", 3.6);        // another keyword: not
        counter.OnDetection("hey_jarvis", 9.0);   // 5.5 s later: not

        Assert.Equal(1, counter.TakeWindow()!["hey_jarvis"].Repeats);
    }

    [Fact]
    public void OnDetection_AfterANearMiss_IsARepeat()
    {
        var counter = new ImplicitSignalCounter();
        counter.OnNearMiss("timer", 10.0);
        counter.OnDetection("timer", 13.9);

        Assert.Equal(1, counter.TakeWindow()!["timer"].Repeats);
    }

    [Fact]
    public void OnDetection_RightAfterANearMiss_IsOneUtteranceNotARepeat()
    {
        var counter = new ImplicitSignalCounter();
        counter.OnNearMiss("timer", 10.0);
        counter.OnDetection("timer", 10.4); // the score dipped below the bound for a chunk, then fired

        Assert.Equal(0, counter.TakeWindow()?.GetValueOrDefault("timer")?.Repeats ?? 0);
    }

    [Fact]
    public void OnVadFrame_NoSpeechForThreeSecondsAfterTheKeyword_Unanswered()
    {
        var counter = new ImplicitSignalCounter();
        Frames(counter, 0, 1.1, t => t > 0.4);   // the keyword, speech until 1.1 s
        counter.OnDetection("alexa", 1.0);
        Frames(counter, 1.1, 4.0, _ => false);

        Assert.Null(counter.TakeWindow());    // 2.9 s of silence: not decided yet
        Frames(counter, 4.0, 4.3, _ => false);
        Assert.Equal(new ImplicitSignals(0, 1), counter.TakeWindow()!["alexa"]);
        Assert.Null(counter.TakeWindow());    // taken: the next window starts at zero
    }

    [Fact]
    public void OnVadFrame_SpeechAfterThePause_Answered()
    {
        var counter = new ImplicitSignalCounter();
        Frames(counter, 0, 1.1, t => t > 0.4);
        counter.OnDetection("alexa", 1.0);
        Frames(counter, 1.1, 8, t => t is > 2.5 and < 3.5);  // "what's the time" after a 1.4 s pause

        Assert.Null(counter.TakeWindow());
    }

    [Fact]
    public void OnVadFrame_SpeechRunningOnFromTheKeyword_Answered()
    {
        var counter = new ImplicitSignalCounter();
        Frames(counter, 0, 1.1, t => t > 0.4);
        counter.OnDetection("hey_jarvis", 1.0);
        Frames(counter, 1.1, 8, t => t < 3.0);   // "hey jarvis what's the weather like" in one breath

        Assert.Null(counter.TakeWindow());
    }

    [Fact]
    public void OnVadFrame_SteadyState_AllocatesNothing()
    {
        var counter = new ImplicitSignalCounter();
        counter.OnDetection("alexa", 0.5);
        counter.OnVadFrame(true, 0.5, 0.532);

        long before = GC.GetAllocatedBytesForCurrentThread();
        double t = 0.532;
        for (int i = 0; i < 3000; i++, t += 0.032)
        {
            counter.OnVadFrame(i % 7 == 0, t, t + 0.032);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
