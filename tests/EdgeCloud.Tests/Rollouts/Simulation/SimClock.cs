using Microsoft.Extensions.Time.Testing;

namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// The simulation's single thread of time: a queue of events ordered by (time, insertion), a fake clock advanced to
/// each event before it runs, and the seeded random source every choice is drawn from — so a seed replays exactly.
/// </summary>
internal sealed class SimClock
{
    private readonly PriorityQueue<Func<Task>, (DateTimeOffset At, long Seq)> _queue = new();
    private long _seq;

    public SimClock(int seed)
    {
        Seed = seed;
        Random = new Random(seed);
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero)) { AutoAdvanceAmount = TimeSpan.Zero };
    }

    public int Seed { get; }

    public Random Random { get; }

    public FakeTimeProvider Time { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>How many events ran so far.</summary>
    public long Events { get; private set; }

    public void After(TimeSpan delay, Func<Task> action) => _queue.Enqueue(action, (Now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay), _seq++));

    public void After(TimeSpan delay, Action action) => After(delay, () =>
    {
        action();
        return Task.CompletedTask;
    });

    /// <summary>A random delay in [0, <paramref name="max"/>].</summary>
    public TimeSpan Jitter(TimeSpan max) => TimeSpan.FromMilliseconds(Random.NextDouble() * max.TotalMilliseconds);

    public bool Chance(double p) => Random.NextDouble() < p;

    /// <summary>Runs events in time order until the queue is empty or the next one is past <paramref name="end"/>; <paramref name="afterEach"/> checks invariants.</summary>
    public async Task RunUntilAsync(DateTimeOffset end, Func<Task>? afterEach = null)
    {
        while (_queue.TryPeek(out _, out (DateTimeOffset At, long Seq) key) && key.At <= end)
        {
            Func<Task> action = _queue.Dequeue();
            if (key.At > Now)
            {
                Time.SetUtcNow(key.At);
            }

            Events++;
            await action();
            if (afterEach is not null)
            {
                await afterEach();
            }
        }

        if (end > Now)
        {
            Time.SetUtcNow(end);
        }
    }
}
