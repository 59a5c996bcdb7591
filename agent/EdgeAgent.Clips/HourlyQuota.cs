namespace EdgeAgent.Clips;

/// <summary>At most a number of takes in any sliding hour (the clock is the caller's <see cref="TimeProvider"/>). Not thread-safe.</summary>
public sealed class HourlyQuota(TimeProvider time)
{
    private static readonly TimeSpan s_hour = TimeSpan.FromHours(1);
    private readonly Queue<DateTimeOffset> _taken = new();

    /// <summary>Takes one if fewer than <paramref name="perHour"/> were taken in the last hour.</summary>
    public bool TryTake(int perHour)
    {
        DateTimeOffset now = time.GetUtcNow();
        while (_taken.TryPeek(out DateTimeOffset oldest) && now - oldest >= s_hour)
        {
            _taken.Dequeue();
        }

        if (_taken.Count >= perHour)
        {
            return false;
        }

        _taken.Enqueue(now);
        return true;
    }

    /// <summary>Takes in the last hour.</summary>
    public int Used
    {
        get
        {
            DateTimeOffset now = time.GetUtcNow();
            return _taken.Count(t => now - t < s_hour);
        }
    }
}
