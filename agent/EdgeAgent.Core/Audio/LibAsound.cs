using System.Runtime.InteropServices;

namespace EdgeAgent.Core.Audio;

/// <summary>The few libasound (ALSA) calls capture needs.</summary>
internal static partial class LibAsound
{
    private const string Library = "libasound.so.2";

    public const int StreamCapture = 1;
    public const int AccessRwInterleaved = 3;
    public const int FormatS16Le = 2;
    public const int FormatS32Le = 10;

    public const int EPipe = 32;     // overrun
    public const int EStrPipe = 86;  // suspended
    public const int EAgain = 11;
    public const int EIntr = 4;

    [LibraryImport(Library, EntryPoint = "snd_pcm_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PcmOpen(out nint pcm, string name, int stream, int mode);

    [LibraryImport(Library, EntryPoint = "snd_pcm_close")]
    public static partial int PcmClose(nint pcm);

    [LibraryImport(Library, EntryPoint = "snd_pcm_hw_params_malloc")]
    public static partial int HwParamsMalloc(out nint parameters);

    [LibraryImport(Library, EntryPoint = "snd_pcm_hw_params_free")]
    public static partial void HwParamsFree(nint parameters);

    [LibraryImport(Library, EntryPoint = "snd_pcm_hw_params_any")]
    public static partial int HwParamsAny(nint pcm, nint parameters);

    [LibraryImport(Library, EntryPoint = "snd_pcm_hw_params_set_access")]
    public static partial int HwParamsSetAccess(nint pcm, nint parameters, int access);

    [LibraryImport(Library, EntryPoint = "snd_pcm_hw_params_set_format")]
    public static partial int HwParamsSetFormat(nint pcm, nint parameters, int format);

    [LibraryImport(Library, EntryPoint = "snd_pcm_hw_params_set_channels_near")]
    public static partial int HwParamsSetChannelsNear(nint pcm, nint parameters, ref uint channels);

    [LibraryImport(Library, EntryPoint = "snd_pcm_hw_params_set_rate_near")]
    public static partial int HwParamsSetRateNear(nint pcm, nint parameters, ref uint rate, ref int dir);

    [LibraryImport(Library, EntryPoint = "snd_pcm_hw_params_set_buffer_time_near")]
    public static partial int HwParamsSetBufferTimeNear(nint pcm, nint parameters, ref uint microseconds, ref int dir);

    [LibraryImport(Library, EntryPoint = "snd_pcm_hw_params")]
    public static partial int HwParams(nint pcm, nint parameters);

    [LibraryImport(Library, EntryPoint = "snd_pcm_readi")]
    public static unsafe partial nint PcmReadi(nint pcm, void* buffer, nuint frames);

    [LibraryImport(Library, EntryPoint = "snd_pcm_recover")]
    public static partial int PcmRecover(nint pcm, int error, int silent);

    [LibraryImport(Library, EntryPoint = "snd_lib_error_set_handler")]
    private static unsafe partial int SetErrorHandler(delegate* unmanaged<nint, int, nint, int, nint, void> handler);

    /// <summary>
    /// Stops libasound printing its own lines on stderr; every failure still reaches the caller as an error code,
    /// which the source turns into one message. The C handler is variadic; ignoring the extra arguments is safe.
    /// </summary>
    public static unsafe void SilenceLibraryErrors() => SetErrorHandler(&IgnoreError);

    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static void IgnoreError(nint file, int line, nint function, int error, nint format)
    {
    }

    [LibraryImport(Library, EntryPoint = "snd_strerror")]
    private static partial nint StrError(int error);

    public static string Describe(int error) => Marshal.PtrToStringUTF8(StrError(error)) ?? $"error {error}";
}
