using EdgeAgent.Speech.Shadow;
using EdgeAgent.Updates.Runtime;

namespace EdgeAgent.Service.Listening;

/// <summary>
/// The live pipeline's health since the last model switch, for the probation of a new model: frames, the share the
/// VAD called speech, frame errors and the VAD's p95 latency (over the last 2048 frames).
/// </summary>
internal sealed class LiveHealth
{
    private readonly Lock _gate = new();
    private readonly LatencyWindow _latency = new();
    private long _frames;
    private long _speechFrames;
    private long _errors;

    public void RecordVad(bool speech, double elapsedMs)
    {
        lock (_gate)
        {
            _latency.Add(elapsedMs);
            _frames++;
            _speechFrames += speech ? 1 : 0;
        }
    }

    public void RecordError() => Interlocked.Increment(ref _errors);

    public void Reset()
    {
        lock (_gate)
        {
            _frames = _speechFrames = 0;
            _latency.Clear();
            Interlocked.Exchange(ref _errors, 0);
        }
    }

    public HealthSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new HealthSnapshot(_frames, _frames == 0 ? 0 : (double)_speechFrames / _frames, Interlocked.Read(ref _errors), _latency.P95());
        }
    }
}
