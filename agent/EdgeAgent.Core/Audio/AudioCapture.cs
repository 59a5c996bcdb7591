using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace EdgeAgent.Core.Audio;

/// <summary>
/// Reads a source on a dedicated thread (blocking reads stay off the thread pool), converts to 16 kHz mono and hands
/// fixed-size pooled frames to the pipeline through a bounded channel. When the pipeline falls behind a live source,
/// the oldest frame is dropped and counted: capture never blocks (a file or pipe waits instead). A failing device is reported as a fault and re-opened with
/// exponential backoff; the channel completes when a finite source (file, stdin) ends.
/// </summary>
public sealed class AudioCapture : IAsyncDisposable
{
    private readonly IAudioSource _source;
    private readonly AudioCaptureOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<AudioFrame> _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly PipelineAudioReader _reader;
    private Thread? _thread;
    private long _overruns;
    private long _faults;
    private long _samples;

    public AudioCapture(IAudioSource source, AudioCaptureOptions options, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FrameSamples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Capacity, 1);
        _source = source;
        _options = options;
        _logger = logger;
        _reader = new PipelineAudioReader(source);
        _channel = Channel.CreateBounded<AudioFrame>(
            new BoundedChannelOptions(options.Capacity)
            {
                FullMode = source.IsLive ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = true,
            },
            dropped =>
            {
                Interlocked.Increment(ref _overruns);
                AudioInstruments.Overruns.Add(1);
                dropped.Return();
            });
    }

    /// <summary>Raised on the capture thread when the source fails; the argument says what happened.</summary>
    public event Action<string>? Fault;

    /// <summary>Raised on the capture thread when the source is (re)opened.</summary>
    public event Action<AudioFormat>? Opened;

    public ChannelReader<AudioFrame> Frames => _channel.Reader;

    /// <summary>Frames dropped because the pipeline fell behind, plus device overruns.</summary>
    public long Overruns => Interlocked.Read(ref _overruns) + (_source is AlsaSource alsa ? alsa.Overruns : 0);

    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>16 kHz samples captured so far.</summary>
    public long Samples => Interlocked.Read(ref _samples);

    public void Start()
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("Capture already started.");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "audio-capture" };
        _thread.Start();
    }

    /// <summary>Stops capture; a read blocked in the device returns within one period.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Thread? thread = _thread;
        if (thread is not null)
        {
            await Task.Run(() => thread.Join(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        }

        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out AudioFrame frame))
        {
            frame.Return();
        }

        _source.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        CancellationToken token = _stop.Token;
        TimeSpan delay = _options.ReconnectMinDelay;
        while (!token.IsCancellationRequested)
        {
            try
            {
                _source.Open();
                _reader.Reset();
                AudioLog.SourceOpened(_logger, _source.Description, _source.Format.SampleRate, _source.Format.Channels);
                Opened?.Invoke(_source.Format);
                delay = _options.ReconnectMinDelay;
                if (Pump(token))
                {
                    AudioLog.SourceEnded(_logger, _source.Description, _samples / (double)AudioFormat.PipelineRate);
                    break;
                }
            }
            catch (AudioSourceException ex)
            {
                Interlocked.Increment(ref _faults);
                AudioInstruments.Faults.Add(1);
                AudioLog.SourceFault(_logger, _source.Description, ex.Message, delay.TotalSeconds);
                Fault?.Invoke(ex.Message);
                if (token.WaitHandle.WaitOne(Jitter(delay)))
                {
                    break;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Interlocked.Increment(ref _faults);
                AudioLog.CaptureCrashed(_logger, ex, _source.Description);
                Fault?.Invoke(ex.Message);
                if (token.WaitHandle.WaitOne(Jitter(delay)))
                {
                    break;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }
        }

        _channel.Writer.TryComplete();
    }

    /// <summary>Moves frames until the stream ends (true) or capture stops (false).</summary>
    private bool Pump(CancellationToken token)
    {
        int size = _options.FrameSamples;
        while (!token.IsCancellationRequested)
        {
            long left = (_options.MaxSamples ?? long.MaxValue) - _samples;
            if (left <= 0)
            {
                return true;
            }

            float[] buffer = ArrayPool<float>.Shared.Rent(size);
            int n = _reader.ReadFull(buffer.AsSpan(0, (int)Math.Min(size, left)));
            if (n == 0)
            {
                ArrayPool<float>.Shared.Return(buffer);
                return true;
            }

            var frame = new AudioFrame(buffer, n, _samples);
            Interlocked.Add(ref _samples, n);
            if (!TryWrite(frame, token))
            {
                frame.Return();
                return false;
            }

            if (n < size && _reader.Ended)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Live sources never wait (the channel drops the oldest frame); files and pipes wait for the pipeline.</summary>
    private bool TryWrite(AudioFrame frame, CancellationToken token)
    {
        if (_channel.Writer.TryWrite(frame))
        {
            return true;
        }

        try
        {
            return _channel.Writer.WaitToWriteAsync(token).AsTask().GetAwaiter().GetResult() && _channel.Writer.TryWrite(frame);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) =>
        TimeSpan.FromTicks((long)(delay.Ticks * (0.8 + 0.4 * Random.Shared.NextDouble())));
}
