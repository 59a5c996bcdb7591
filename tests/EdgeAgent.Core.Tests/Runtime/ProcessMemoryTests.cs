using System.Runtime.CompilerServices;
using EdgeAgent.Core.Runtime;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Core.Tests.Runtime;

public sealed class ProcessMemoryTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public void GiveBack_ReturnsTheGarbageOfARareEvent_ToTheSystem()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads /proc/self/status");

        // What a pipeline build leaves: large arrays, touched and dropped. The GC would keep their pages committed.
        MakeGarbage(48);
        long held = RssKib();
        ProcessMemory.GiveBack();
        long after = RssKib();

        Assert.True(held - after > 24 * 1024, $"gave back {held - after} KiB of 48 MiB of garbage");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MakeGarbage(int mebibytes)
    {
        var keep = new List<byte[]>();
        for (int i = 0; i < mebibytes; i++)
        {
            var block = new byte[MiB];
            Array.Fill(block, (byte)1);
            keep.Add(block);
        }

        GC.KeepAlive(keep);
    }

    private static long RssKib() => ResidentMemory.Bytes() / 1024;
}
