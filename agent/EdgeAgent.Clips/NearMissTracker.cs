namespace EdgeAgent.Clips;

/// <summary>
/// Finds near misses in the keyword heads' score streams: a run of scores at or above <see cref="Low"/> whose peak
/// stayed below the detection threshold (a run that reached the threshold is the trigger's, a detection or its
/// refractory echo). One near miss per run, reported when the run ends, at its peak. A gap in the scores (the VAD gate
/// closed) ends a run. Audio thread; allocation-free.
/// </summary>
public sealed class NearMissTracker
{
    private const double ChunkSec = 0.08;
    private readonly double _threshold;
    private readonly double _warmupSec;
    private Run[] _runs = [];
    private double _low;

    /// <param name="threshold">The detection threshold.</param>
    /// <param name="low">The near-miss bound; at most the threshold.</param>
    /// <param name="warmupSec">Scores up to this time (the trigger's warm-up) are ignored.</param>
    public NearMissTracker(double threshold, double low, double warmupSec)
    {
        _threshold = threshold;
        _warmupSec = warmupSec;
        Low = low;
    }

    public double Low
    {
        get => Volatile.Read(ref _low);
        set => Volatile.Write(ref _low, Math.Clamp(value, 0, _threshold));
    }

    /// <summary>A new stream (another pipeline, times from zero again) with this many heads.</summary>
    public void Reset(int heads)
    {
        if (_runs.Length != heads)
        {
            _runs = new Run[heads];
        }

        Array.Clear(_runs);
    }

    /// <summary>One head's score for the chunk ending at <paramref name="timeSec"/>; true when a near miss completed.</summary>
    public bool Push(int head, float score, double timeSec, out NearMiss nearMiss)
    {
        nearMiss = default;
        if (timeSec <= _warmupSec || (uint)head >= (uint)_runs.Length)
        {
            return false;
        }

        ref Run run = ref _runs[head];
        bool completed = false;
        if (run.Active && timeSec - run.LastSec > 1.5 * ChunkSec)
        {
            completed = End(ref run, out nearMiss);
        }

        if (score >= Low && Low > 0)
        {
            if (!run.Active || score > run.Peak)
            {
                run.Peak = score;
                run.PeakSec = timeSec;
            }

            run.Active = true;
            run.LastSec = timeSec;
            return completed;
        }

        return run.Active ? End(ref run, out nearMiss) | completed : completed;
    }

    private bool End(ref Run run, out NearMiss nearMiss)
    {
        run.Active = false;
        nearMiss = new NearMiss(run.Peak, run.PeakSec);
        return run.Peak < _threshold;
    }

    private struct Run
    {
        public bool Active;
        public float Peak;
        public double PeakSec;
        public double LastSec;
    }
}

/// <summary>A keyword score peak below the threshold: its score and the end time of its chunk.</summary>
public readonly record struct NearMiss(float Score, double TimeSec);
