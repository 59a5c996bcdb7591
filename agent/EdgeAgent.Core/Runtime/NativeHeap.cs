using System.Runtime.InteropServices;

namespace EdgeAgent.Core.Runtime;

/// <summary>
/// Gives the C heap's free pages back to the system (glibc <c>malloc_trim</c>). ONNX Runtime builds a session's
/// graph and plans in many small native allocations; once freed, glibc keeps them resident until asked. Called after
/// building or disposing speech pipelines. Does nothing outside Linux or on a C library without <c>malloc_trim</c> (musl).
/// </summary>
public static partial class NativeHeap
{
    private static bool s_unavailable;

    /// <summary>Trims the heap; true if the C library released memory.</summary>
    public static bool Trim()
    {
        if (s_unavailable || !OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return MallocTrim(0) != 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
            return false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
