using System.Diagnostics;
using EdgeAgent.Service.Recording;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAgent.Service.Tests.Recording;

public sealed class BatchingRecorderTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task BlockedWriter_HandOverNeverWaits_DropsAreCountedAndStopDrainsTheQueue()
    {
        using var writer = new BlockingWriter();
        var logger = new LineLogger();
        var recorder = new BatchingRecorder<int>("test", writer, new RecorderOptions { QueueLimit = 4, BatchSize = 3 }, TimeProvider.System, logger);

        Assert.True(recorder.TryRecord(0));
        Assert.True(writer.Entered.Wait(s_wait, TestContext.Current.CancellationToken), "the recorder never started writing");

        // The writer is stuck on item 0. An "audio thread" hands over 20 more: none of them may wait.
        var accepted = new bool[20];
        long slowestTicks = 0;
        var producer = new Thread(() =>
        {
            for (int i = 0; i < accepted.Length; i++)
            {
                long start = Stopwatch.GetTimestamp();
                accepted[i] = recorder.TryRecord(i + 1);
                slowestTicks = Math.Max(slowestTicks, Stopwatch.GetTimestamp() - start);
            }
        });
        producer.Start();
        Assert.True(producer.Join(s_wait), "a hand-over blocked while the writer was stuck");

        Assert.Equal([true, true, true, true], accepted[..4]);
        Assert.All(accepted[4..], Assert.False);
        Assert.Equal(16, recorder.Dropped);
        Assert.Equal(4, recorder.Queued);
        Assert.Empty(writer.Written);

        writer.Release();
        await recorder.DisposeAsync();

        Assert.Equal([0, 1, 2, 3, 4], writer.Written);
        Assert.Equal(5, recorder.Written);
        Assert.Equal(0, recorder.Failed);
        Assert.False(recorder.TryRecord(99), "a stopped recorder takes nothing");
        Assert.Equal(17, recorder.Dropped);

        // One line when the queue filled and one with the count, not one per dropped item.
        Assert.Equal(1, logger.Count(3104));
        (LogLevel _, EventId _, string dropped) = Assert.Single(logger.Lines, l => l.Id.Id == 3105);
        Assert.StartsWith("Recorder test: 16 items dropped", dropped, StringComparison.Ordinal);
        Assert.True(Stopwatch.GetElapsedTime(0, slowestTicks) < TimeSpan.FromSeconds(1), $"the slowest hand-over took {Stopwatch.GetElapsedTime(0, slowestTicks)}");
    }

    [Fact]
    public async Task FailingWriter_RetriesAfterABackoffOnTheClockThenRecovers()
    {
        var time = new FakeTimeProvider();
        var writer = new FailingWriter(failures: 2);
        var logger = new LineLogger();
        var recorder = new BatchingRecorder<int>("test", writer, new RecorderOptions { BackoffSeconds = 1, MaxBackoffSeconds = 60, Attempts = 5 }, time, logger);

        Assert.True(recorder.TryRecord(7));
        await UntilAsync(() => writer.Attempts == 1);
        await UntilAsync(() => logger.Count(3101) == 1); // waiting 1 s now

        time.Advance(TimeSpan.FromMilliseconds(900));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(1, writer.Attempts);

        time.Advance(TimeSpan.FromMilliseconds(100));
        await UntilAsync(() => writer.Attempts == 2);
        await UntilAsync(() => logger.Count(3101) == 2); // waiting 2 s now

        time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(2, writer.Attempts);

        time.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(() => writer.Written.Length == 1);
        await recorder.DisposeAsync();

        Assert.Equal([7], writer.Written);
        Assert.Equal(0, recorder.Failed);
        Assert.Equal(1, logger.Count(3100)); // one warning for the episode, not one per attempt
        Assert.Equal(1, logger.Count(3103));
        Assert.Contains(logger.Lines, l => l.Id.Id == 3103 && l.Message.Contains("after 3.0 s of failures", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BrokenWriter_GivesUpCountingTheItems_AndStopDoesNotWaitForTheBackoff()
    {
        var time = new FakeTimeProvider();
        var writer = new FailingWriter(failures: -1);
        var logger = new LineLogger();
        var recorder = new BatchingRecorder<int>("test", writer, new RecorderOptions { BackoffSeconds = 3600, MaxBackoffSeconds = 3600, Attempts = 3 }, time, logger);

        Assert.True(recorder.TryRecord(1));
        Assert.True(recorder.TryRecord(2));
        await UntilAsync(() => writer.Attempts >= 1);

        // The fake clock never moves: only the stop can end the hour-long backoffs.
        Task stop = recorder.DisposeAsync().AsTask();
        Assert.Same(stop, await Task.WhenAny(stop, Task.Delay(s_wait, TestContext.Current.CancellationToken)));
        await stop;

        Assert.Equal(2, recorder.Failed);
        Assert.Equal(0, recorder.Written);
        Assert.Empty(writer.Written);
        Assert.InRange(writer.Attempts, 3, 6); // 3 per batch: one batch of two or two of one
        Assert.Equal(1, logger.Count(3100));
        Assert.InRange(logger.Count(3102), 1, 2);
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(5, 8)]
    [InlineData(6, 10)]
    [InlineData(40, 10)]
    public async Task Backoff_DoublesFromTheFirstUpToTheCap(int attempt, double seconds)
    {
        var recorder = new BatchingRecorder<int>("test", new FailingWriter(0), new RecorderOptions { BackoffSeconds = 0.5, MaxBackoffSeconds = 10 }, TimeProvider.System, new LineLogger());
        await using (recorder)
        {
            Assert.Equal(TimeSpan.FromSeconds(seconds), recorder.Backoff(attempt));
        }
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < s_wait, "timed out waiting for the recorder");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
