using System.Collections.Concurrent;

namespace EdgeCloud.Ingest;

/// <summary>A token bucket per device: <c>burst</c> messages at once, refilled at <c>perMinute</c>.</summary>
public sealed class RateLimiter(int burst, int perMinute, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public bool TryTake(string deviceId)
    {
        Bucket bucket = _buckets.GetOrAdd(deviceId, _ => new Bucket(burst, time.GetTimestamp()));
        lock (bucket)
        {
            long now = time.GetTimestamp();
            double minutes = time.GetElapsedTime(bucket.Stamp, now).TotalMinutes;
            bucket.Tokens = Math.Min(burst, bucket.Tokens + minutes * perMinute);
            bucket.Stamp = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens--;
            return true;
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens { get; set; } = tokens;

        public long Stamp { get; set; } = stamp;
    }
}
