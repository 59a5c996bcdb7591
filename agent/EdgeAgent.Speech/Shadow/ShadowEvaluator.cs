using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Keywords;
using EdgeAgent.Core.Models;
using EdgeAgent.Core.Runtime;
using EdgeAgent.Speech.Keywords;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Speech.Vad;

namespace EdgeAgent.Speech.Shadow;

/// <summary>
/// Runs a candidate model beside the live one on the same audio and measures how often they agree — never acting on
/// the candidate's output. The audio thread only copies the input into a pooled buffer and queues it; the candidate
/// runs on its own thread, off the latency path, and within a CPU budget (a share of real time): when it is over the
/// budget or behind, work is skipped and counted, never waited for.
/// <list type="bullet">
/// <item>A VAD candidate sees every 32 ms frame; a sample is a frame, agreement is the share of frames on which both
/// models make the same speech decision, the shift is the mean |Δp|.</item>
/// <item>A keyword candidate (same name as a live head) sees each scored chunk's embedding history; a sample is a
/// detection by either model, agreement is matched detections (within 1 s) over all of them, the shift the mean
/// |Δscore| per chunk.</item>
/// </list>
/// </summary>
public sealed class ShadowEvaluator : IDisposable
{
    private const double MatchSeconds = 1.0;

    private readonly SileroVad? _vad;
    private readonly KeywordHead? _head;
    private readonly KeywordTrigger? _trigger;
    private readonly float[]? _history;
    private readonly float _vadThreshold;
    private readonly double _cpuBudget;
    private readonly Channel<Work> _queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
    private readonly Thread _thread;
    private readonly Lock _gate = new();
    private readonly List<double> _liveDetections = [];
    private readonly List<double> _candidateDetections = [];
    private readonly LatencyWindow _latency = new();
    private long _compared;
    private long _agreed;
    private double _shiftSum;
    private long _errors;
    private long _skipped;
    private long _busyTicks;
    private double _audioSeconds;

    public ShadowEvaluator(InstalledModel candidate, SpeechPipelineOptions options, int historyChunks, double cpuBudget)
    {
        Candidate = candidate;
        _cpuBudget = cpuBudget;
        _vadThreshold = options.Vad.OnsetThreshold;
        if (candidate.Kind == ModelKind.Vad)
        {
            _vad = new SileroVad(candidate, options.Onnx);
        }
        else if (candidate.Kind == ModelKind.Keyword)
        {
            _history = new float[historyChunks * WakeWordFeatures.EmbeddingSize];
            _head = new KeywordHead(candidate, options.Onnx, _history, historyChunks);
            _trigger = new KeywordTrigger(options.Trigger);
        }
        else
        {
            throw new ModelStoreException($"{candidate}: a {candidate.Kind} model cannot run in shadow (vad and keyword models can)");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = $"shadow {candidate}" };
        _thread.Start();
    }

    public InstalledModel Candidate { get; }

    /// <summary>The live keyword this candidate is compared with (its name), or null for a VAD.</summary>
    public string? Keyword => _head?.Keyword;

    /// <summary>Audio thread: a live VAD frame and the live model's probability.</summary>
    public void OnVadFrame(ReadOnlySpan<float> frame, float liveProbability)
    {
        if (_vad is not null)
        {
            Offer(frame, liveProbability, 0, frame.Length / 16_000.0);
        }
    }

    /// <summary>Audio thread: a scored chunk — the live embedding history and the live head's score for <see cref="Keyword"/>.</summary>
    public void OnKeywordChunk(ReadOnlySpan<float> history, float liveScore, double timeSec)
    {
        if (_head is not null && history.Length == _history!.Length)
        {
            Offer(history, liveScore, timeSec, WakeWordFeatures.ChunkSamples / 16_000.0);
        }
    }

    /// <summary>A detection by the live head named <see cref="Keyword"/>.</summary>
    public void OnLiveDetection(double timeSec)
    {
        lock (_gate)
        {
            if (_liveDetections.Count < 100_000)
            {
                _liveDetections.Add(timeSec);
            }
        }
    }

    public CandidateHealth Snapshot()
    {
        lock (_gate)
        {
            long samples;
            double agreement;
            if (_vad is not null)
            {
                samples = _compared;
                agreement = _compared == 0 ? 0 : (double)_agreed / _compared;
            }
            else
            {
                int matched = Matched(_liveDetections, _candidateDetections);
                samples = _liveDetections.Count + _candidateDetections.Count - matched;
                agreement = samples == 0 ? 0 : (double)matched / samples;
            }

            return new CandidateHealth(
                samples, Math.Round(agreement, 4), Math.Round(_compared == 0 ? 0 : _shiftSum / _compared, 4), Math.Round(_latency.P95(), 3),
                Interlocked.Read(ref _errors), Interlocked.Read(ref _skipped));
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread.Join();
        _vad?.Dispose();
        _head?.Dispose();
        NativeHeap.Trim(); // the candidate's session and what its runs left in the C heap: ~14 MiB for a VAD, measured
    }

    private void Offer(ReadOnlySpan<float> input, float live, double timeSec, double audioSeconds)
    {
        _audioSeconds += audioSeconds;
        bool overBudget = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _busyTicks)).TotalSeconds > _cpuBudget * _audioSeconds;
        float[] buffer = ArrayPool<float>.Shared.Rent(input.Length);
        input.CopyTo(buffer);
        if (overBudget || !_queue.Writer.TryWrite(new Work(buffer, input.Length, live, timeSec)))
        {
            ArrayPool<float>.Shared.Return(buffer);
            Interlocked.Increment(ref _skipped);
        }
    }

    private void Run()
    {
        ChannelReader<Work> reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out Work work))
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    Evaluate(work);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _errors);
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(work.Buffer);
                }

                long ticks = Stopwatch.GetTimestamp() - start;
                Interlocked.Add(ref _busyTicks, ticks);
                lock (_gate)
                {
                    _latency.Add(Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds);
                }
            }
        }
    }

    private void Evaluate(Work work)
    {
        float candidate;
        bool agree;
        if (_vad is not null)
        {
            candidate = _vad.Process(work.Buffer.AsSpan(0, work.Length));
            agree = candidate >= _vadThreshold == work.Live >= _vadThreshold;
        }
        else
        {
            work.Buffer.AsSpan(0, work.Length).CopyTo(_history);
            candidate = _head!.Score(out _);
            agree = true;
            if (_trigger!.Push(candidate, work.TimeSec))
            {
                lock (_gate)
                {
                    _candidateDetections.Add(_trigger.PeakTimeSec);
                }
            }
        }

        lock (_gate)
        {
            _compared++;
            _agreed += agree ? 1 : 0;
            _shiftSum += Math.Abs(candidate - work.Live);
        }
    }

    /// <summary>Live detections with a candidate detection within <see cref="MatchSeconds"/> (each used once).</summary>
    private static int Matched(List<double> live, List<double> candidate)
    {
        var used = new bool[candidate.Count];
        int matched = 0;
        foreach (double t in live)
        {
            for (int i = 0; i < candidate.Count; i++)
            {
                if (!used[i] && Math.Abs(candidate[i] - t) <= MatchSeconds)
                {
                    used[i] = true;
                    matched++;
                    break;
                }
            }
        }

        return matched;
    }

    private readonly record struct Work(float[] Buffer, int Length, float Live, double TimeSec);
}
