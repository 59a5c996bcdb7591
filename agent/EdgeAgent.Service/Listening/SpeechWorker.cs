using System.Diagnostics;
using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Keywords;
using EdgeAgent.Core.Models;
using EdgeAgent.Core.Runtime;
using EdgeAgent.Core.Vad;
using EdgeAgent.Clips;
using EdgeAgent.Contracts;
using EdgeAgent.Service.Clips;
using EdgeAgent.Service.Drift;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Service.Updates;
using EdgeAgent.Speech.Pipeline;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Listening;

/// <summary>
/// Listens: captures from the configured source on its own thread, runs the speech pipeline on every frame, logs
/// detections and a periodic health line. A missing model or microphone is a logged fault that is retried, never a
/// crash. When a finite source (a file, stdin) ends, the agent stops.
/// </summary>
internal sealed partial class SpeechWorker(
    IOptions<AgentOptions> agentOptions,
    IOptions<SpeechPipelineOptions> pipelineOptions,
    IOptions<DriftWatchOptions> driftOptions,
    IOptions<AudioCaptureOptions> captureOptions,
    FleetLink fleet,
    LiveSpeech live,
    StartupSlots startupSlots,
    ClipCapture clips,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<SpeechWorker> logger) : BackgroundService, ISpeechEvents
{
    private static readonly TimeSpan s_modelRetry = TimeSpan.FromSeconds(30);
    private static readonly string[] s_noAlarms = [];

    private DriftWatch? _drift;
    private SpeechPipeline? _pipeline;
    private string[] _keywords = [];
    private long _detections;
    private long _errors;
    private double _speechSec;
    private long _samplesBefore;
    private NearMissTracker? _nearMiss;

    public void OnDetection(KeywordDetection d)
    {
        Interlocked.Increment(ref _detections);
        _drift?.Predictions.AddDetection(d.Keyword);
        long peak = _samplesBefore + ClipAudio.Samples(d.TimeSec);
        _drift?.Signals.OnDetection(d.Keyword, peak / (double)AudioFormat.PipelineRate);
        clips.OnKeyword(ClipCause.Detection, d.Keyword, d.Score, pipelineOptions.Value.Trigger.Threshold, peak, _pipeline?.Models, Alarms);
        if (live.Shadow is { } shadow && shadow.Keyword == d.Keyword)
        {
            shadow.OnLiveDetection(d.TimeSec);
        }

        SpeechWorkerLog.Detection(logger, d.Keyword, d.TimeSec, d.Score, d.Model, d.Version, d.Label ?? "");
    }

    public void OnVadFrame(ReadOnlySpan<float> frame, float probability, long startSample, double elapsedMs)
    {
        _drift?.Push(frame, probability, elapsedMs);
        live.Health.RecordVad(probability >= pipelineOptions.Value.Vad.OnsetThreshold, elapsedMs);
        live.Shadow?.OnVadFrame(frame, probability);
        if (_drift is { } drift)
        {
            long start = _samplesBefore + startSample;
            drift.Signals.OnVadFrame(
                probability >= pipelineOptions.Value.Vad.OnsetThreshold, start / (double)AudioFormat.PipelineRate, (start + frame.Length) / (double)AudioFormat.PipelineRate);
        }
    }

    public void OnKeywordScores(ReadOnlySpan<float> scores, double elapsedMs)
    {
        _drift?.Predictions.AddChunk(scores, _keywords, elapsedMs);
        if (_nearMiss is { } nearMisses && _pipeline is { } current)
        {
            nearMisses.Low = clips.NearMissLow;
            for (int i = 0; i < scores.Length && i < _keywords.Length; i++)
            {
                if (nearMisses.Push(i, scores[i], current.ScoredTimeSec, out NearMiss miss))
                {
                    OnNearMiss(_keywords[i], miss);
                }
            }
        }

        if (live.Shadow is { Keyword: { } keyword } shadow && _pipeline is { } pipeline)
        {
            int head = Array.IndexOf(_keywords, keyword);
            if (head >= 0)
            {
                shadow.OnKeywordChunk(pipeline.EmbeddingHistory, scores[head], pipeline.ScoredTimeSec);
            }
        }
    }

    public void OnSegment(SpeechSegment segment)
    {
        _speechSec += segment.DurationSec;
        _drift?.Predictions.AddSegment(segment.DurationSec);
        clips.OnSegment(_samplesBefore + ClipAudio.Samples(segment.StartSec), _samplesBefore + ClipAudio.Samples(segment.EndSec), _pipeline?.Models, Alarms);
        SpeechWorkerLog.Segment(logger, segment.StartSec, segment.EndSec);
    }

    private IReadOnlyList<string> Alarms => _drift?.ActiveAlarms ?? s_noAlarms;

    private void OnNearMiss(string keyword, NearMiss miss)
    {
        long peak = _samplesBefore + ClipAudio.Samples(miss.TimeSec);
        if (clips.IsSignalNearMiss(miss.Score))
        {
            _drift?.Signals.OnNearMiss(keyword, peak / (double)AudioFormat.PipelineRate);
        }

        clips.OnKeyword(ClipCause.NearMiss, keyword, miss.Score, pipelineOptions.Value.Trigger.Threshold, peak, _pipeline?.Models, Alarms);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        AgentOptions agent = agentOptions.Value;
        SpeechPipelineOptions options = pipelineOptions.Value;
        SpeechModels? models = await LoadModelsAsync(agent, options, stoppingToken);
        if (models is null)
        {
            return;
        }

        await using DriftWatch? drift = driftOptions.Value.Enabled ? new DriftWatch(driftOptions.Value, agent.DataDir, fleet, timeProvider, logger) : null;
        _drift = drift;
        SpeechPipeline pipeline = new(models, options, this);
        try
        {
            await ListenAsync(agent, options, pipeline, stoppingToken);
        }
        finally
        {
            (_pipeline ?? pipeline).Dispose();
        }
    }

    private async Task ListenAsync(AgentOptions agent, SpeechPipelineOptions options, SpeechPipeline pipeline, CancellationToken stoppingToken)
    {
        Use(pipeline);
        live.Started(pipeline, m => new SpeechPipeline(m, options, this));
        IAudioSource source = AudioSourceSpec.Create(agent.Source);
        await using var capture = new AudioCapture(source, captureOptions.Value, logger);
        SpeechWorkerLog.Started(
            logger, agent.DeviceId, source.Description, pipeline.Models.Vad.ToString(), SpeechWorkerLog.Describe(pipeline.Models.Keywords),
            options.Gated ? "gated by the VAD" : "ungated", SpeechWorkerLog.Embedding(pipeline));
        if (pipeline.StreamingFallback is { } fallback)
        {
            SpeechWorkerLog.StreamingFallback(logger, fallback);
        }

        capture.Start();

        double busySec = 0;
        using var healthStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task health = ReportHealthAsync(capture, () => busySec, TimeSpan.FromSeconds(agent.HealthIntervalSeconds), healthStop.Token);
        try
        {
            await foreach (AudioFrame frame in capture.Frames.ReadAllAsync(stoppingToken))
            {
                long start = Stopwatch.GetTimestamp();
                if (live.TrySwitch(ref pipeline))
                {
                    // Between two frames: the new models take over; the updater owns the old pipeline now.
                    _samplesBefore += _pipeline!.Samples;
                    Use(pipeline);
                    SpeechWorkerLog.Switched(logger, pipeline.Models.Vad.ToString(), SpeechWorkerLog.Describe(pipeline.Models.Keywords));
                }

                try
                {
                    clips.OnAudio(frame.Samples);
                    pipeline.Process(frame.Samples);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    live.Health.RecordError();
                    // Log the first few, then only count: never a line per frame.
                    long count = Interlocked.Increment(ref _errors);
                    if (count <= 3 || long.IsPow2(count))
                    {
                        SpeechWorkerLog.FrameFailed(logger, ex, count);
                    }
                }
                finally
                {
                    frame.Return();
                }

                busySec += Stopwatch.GetElapsedTime(start).TotalSeconds;
            }

            pipeline.Flush();
            SpeechWorkerLog.SourceEnded(logger, AudioSeconds);
            lifetime.StopApplication();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            pipeline.Flush();
            SpeechWorkerLog.Stopped(logger, AudioSeconds);
        }
        finally
        {
            await healthStop.CancelAsync();
            await health;
            LogHealth(capture, busySec);
        }
    }

    private double AudioSeconds => (_samplesBefore + (_pipeline?.Samples ?? 0)) / (double)AudioFormat.PipelineRate;

    private void Use(SpeechPipeline pipeline)
    {
        _keywords = pipeline.Heads.Select(h => h.Keyword).ToArray();
        _pipeline = pipeline;
        _drift?.UseModels(pipeline.Models.All);
        KeywordTriggerOptions trigger = pipelineOptions.Value.Trigger;
        _nearMiss ??= new NearMissTracker(trigger.Threshold, clips.NearMissLow, trigger.WarmupChunks * 0.08);
        _nearMiss.Reset(_keywords.Length);
    }

    private async Task<SpeechModels?> LoadModelsAsync(AgentOptions agent, SpeechPipelineOptions options, CancellationToken stoppingToken)
    {
        var store = new ModelStore(agent.ModelsDir);
        while (true)
        {
            try
            {
                return SpeechModels.Select(store, options.VadVersion, options.Keywords, startupSlots.Check(store));
            }
            catch (ModelStoreException ex)
            {
                SpeechWorkerLog.ModelsUnavailable(logger, ex.Message, s_modelRetry.TotalSeconds);
                fleet.PublishFault("model-load-failed", ex.Message);
            }

            try
            {
                await Task.Delay(s_modelRetry, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    private async Task ReportHealthAsync(AudioCapture capture, Func<double> busySec, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                // What survived a young collection and died since (clips, update and link ticks) would wait in the old
                // generation for a rare full one: given back once per interval, so the line reports what the agent needs.
                ProcessMemory.GiveBack();
                LogHealth(capture, busySec());
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void LogHealth(AudioCapture capture, double busySec)
    {
        SpeechPipeline pipeline = _pipeline!;
        double audioSec = AudioSeconds;
        SpeechWorkerLog.Health(
            logger,
            audioSec,
            audioSec > 0 ? busySec / audioSec : 0,
            audioSec > 0 ? Math.Min(1, _speechSec / audioSec) : 0,
            pipeline.KeywordChunks,
            pipeline.GatedChunks,
            Interlocked.Read(ref _detections),
            capture.Overruns,
            capture.Faults,
            Interlocked.Read(ref _errors),
            clips.Counters.Queued,
            clips.Counters.Sent,
            clips.Counters.Refused,
            clips.Counters.Dropped,
            Environment.WorkingSet / (1024.0 * 1024.0));
    }
}
