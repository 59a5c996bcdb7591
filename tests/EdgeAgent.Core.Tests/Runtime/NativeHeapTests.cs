using System.Runtime.InteropServices;
using EdgeAgent.Core.Runtime;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Core.Tests.Runtime;

public sealed class NativeHeapTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public void UseFixedThresholds_AfterALargeFree_MidSizedFreedBlocksStillGoBack()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "glibc only");
        Assert.True(NativeHeap.UseFixedThresholds());

        // Freeing a 16 MiB block would raise glibc's dynamic mmap threshold to 16 MiB and its trim threshold to 32 MiB:
        // 1 MiB blocks would then come from the heap and stay resident once freed (a small block after them keeps
        // them off the heap's top). Fixed at 64 KiB, each is mmapped and its pages go back when it is freed.
        Marshal.FreeHGlobal(Touched(16 * MiB));
        var blocks = Enumerable.Range(0, 24).Select(_ => Touched(MiB)).ToList();
        nint fence = Marshal.AllocHGlobal(64);
        long held = RssKib();
        blocks.ForEach(Marshal.FreeHGlobal);
        long after = RssKib();
        Marshal.FreeHGlobal(fence);

        Assert.True(held - after > 20 * 1024, $"gave back {held - after} KiB of 24 MiB freed");
    }

    private static nint Touched(int bytes)
    {
        nint block = Marshal.AllocHGlobal(bytes);
        var page = new byte[4096];
        Array.Fill(page, (byte)1);
        for (int offset = 0; offset + page.Length <= bytes; offset += page.Length)
        {
            Marshal.Copy(page, 0, block + offset, page.Length);
        }

        return block;
    }

    private static long RssKib() => ResidentMemory.Bytes() / 1024;
}
