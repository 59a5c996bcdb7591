using System.Runtime;

namespace EdgeAgent.Core.Runtime;

/// <summary>
/// Gives memory back to the system after a rare event that built or dropped ONNX Runtime sessions (a pipeline built, a
/// rollout's shadow started or ended, a pipeline switched or released). The agent allocates almost nothing per frame,
/// so the GC runs seldom and would keep such an event's garbage (model bytes, graph surgery, downloads) committed for a
/// long time, and glibc keeps the C heap's freed pages of the thread that did it. Measured through a rollout
/// (`tools/agent-rss.sh`): without this, ~9 MiB of GC regions and ~5 MiB of a thread's C heap stayed resident after
/// the commit. A blocking collection of a heap of a few MiB costs milliseconds, which the capture channel absorbs.
/// </summary>
public static class ProcessMemory
{
    public static void GiveBack()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
    }
}
