namespace EdgeAgent.Core.Audio;

/// <summary>
/// Live capture from an ALSA device (<c>default</c>, <c>hw:1,0</c>, <c>plughw:...</c>) through libasound.
/// Asks for the requested rate and channel count and takes what the device offers (the pipeline resamples and
/// downmixes). Overruns are recovered in place and counted; a device that fails otherwise raises
/// <see cref="AudioSourceException"/> so that the capture loop can reconnect.
/// </summary>
public sealed class AlsaSource : IAudioSource
{
    private readonly string _device;
    private readonly AudioFormat _requested;
    private nint _pcm;
    private short[] _s16 = [];
    private int[] _s32 = [];
    private bool _is32;
    private AudioFormat _format;

    public AlsaSource(string device, AudioFormat? requested = null)
    {
        _device = string.IsNullOrWhiteSpace(device) ? "default" : device;
        _requested = requested ?? AudioFormat.Pipeline;
    }

    public string Description => $"alsa:{_device}";

    public bool IsLive => true;

    public AudioFormat Format => _pcm != 0 ? _format : throw new InvalidOperationException("The source is not open.");

    /// <summary>Overruns (xruns) recovered since the source was created.</summary>
    public long Overruns { get; private set; }

    public void Open()
    {
        Close();
        nint pcm;
        int rc;
        try
        {
            LibAsound.SilenceLibraryErrors();
            rc = LibAsound.PcmOpen(out pcm, _device, LibAsound.StreamCapture, 0);
        }
        catch (DllNotFoundException ex)
        {
            throw new AudioSourceException($"{Description}: libasound.so.2 is not installed (apt-get install libasound2)", ex);
        }

        Check(rc, "cannot open the capture device");
        _pcm = pcm;
        try
        {
            Configure();
        }
        catch
        {
            Close();
            throw;
        }
    }

    public unsafe int Read(Span<float> interleaved)
    {
        if (_pcm == 0)
        {
            throw new InvalidOperationException("The source is not open.");
        }

        int channels = _format.Channels;
        int frames = interleaved.Length / channels;
        while (true)
        {
            nint got;
            if (_is32)
            {
                fixed (int* p = _s32)
                {
                    got = LibAsound.PcmReadi(_pcm, p, (nuint)Math.Min(frames, _s32.Length / channels));
                }
            }
            else
            {
                fixed (short* p = _s16)
                {
                    got = LibAsound.PcmReadi(_pcm, p, (nuint)Math.Min(frames, _s16.Length / channels));
                }
            }

            if (got > 0)
            {
                int samples = (int)got * channels;
                if (_is32)
                {
                    for (int i = 0; i < samples; i++)
                    {
                        interleaved[i] = (float)(_s32[i] / 2147483648d);
                    }
                }
                else
                {
                    for (int i = 0; i < samples; i++)
                    {
                        interleaved[i] = _s16[i] / 32768f;
                    }
                }

                return (int)got;
            }

            int error = (int)got;
            if (error == -LibAsound.EAgain || error == -LibAsound.EIntr || error == 0)
            {
                continue;
            }

            if (error == -LibAsound.EPipe || error == -LibAsound.EStrPipe)
            {
                Overruns++;
                Check(LibAsound.PcmRecover(_pcm, error, 1), "cannot recover from an overrun");
                continue;
            }

            throw new AudioSourceException($"{Description}: read failed: {LibAsound.Describe(error)}");
        }
    }

    public void Dispose() => Close();

    private void Configure()
    {
        Check(LibAsound.HwParamsMalloc(out nint hw), "cannot allocate hardware parameters");
        try
        {
            Check(LibAsound.HwParamsAny(_pcm, hw), "no configuration available");
            Check(LibAsound.HwParamsSetAccess(_pcm, hw, LibAsound.AccessRwInterleaved), "interleaved access not supported");
            _is32 = false;
            if (LibAsound.HwParamsSetFormat(_pcm, hw, LibAsound.FormatS16Le) < 0)
            {
                Check(LibAsound.HwParamsSetFormat(_pcm, hw, LibAsound.FormatS32Le), "neither S16_LE nor S32_LE is supported");
                _is32 = true;
            }

            uint channels = (uint)_requested.Channels;
            Check(LibAsound.HwParamsSetChannelsNear(_pcm, hw, ref channels), "cannot set the channel count");
            uint rate = (uint)_requested.SampleRate;
            int dir = 0;
            Check(LibAsound.HwParamsSetRateNear(_pcm, hw, ref rate, ref dir), "cannot set the sample rate");
            uint bufferUs = 500_000; // half a second of slack for a busy pipeline
            dir = 0;
            _ = LibAsound.HwParamsSetBufferTimeNear(_pcm, hw, ref bufferUs, ref dir);
            Check(LibAsound.HwParams(_pcm, hw), "cannot apply the hardware parameters");
            _format = new AudioFormat((int)rate, (int)channels);
        }
        finally
        {
            LibAsound.HwParamsFree(hw);
        }

        int bufferSamples = 1024 * _format.Channels;
        _s16 = _is32 ? [] : new short[bufferSamples];
        _s32 = _is32 ? new int[bufferSamples] : [];
    }

    private void Check(int rc, string what)
    {
        if (rc < 0)
        {
            throw new AudioSourceException($"{Description}: {what}: {LibAsound.Describe(rc)}");
        }
    }

    private void Close()
    {
        if (_pcm != 0)
        {
            _ = LibAsound.PcmClose(_pcm);
            _pcm = 0;
        }
    }
}
