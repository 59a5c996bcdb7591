using EdgeAgent.Core.Models;

namespace EdgeAgent.Updates.Slots;

/// <summary>
/// Durable small files shared by the agent and <c>edgectl</c>: an exclusive lock file per directory, and writes that
/// land by an atomic switch (write a temporary file, fsync, rename, fsync the directory), so a kill -9 or a power cut
/// at any moment leaves the old or the new content, never a torn file.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Holds <paramref name="lockName"/> in <paramref name="dir"/> exclusively until disposed (other processes wait).</summary>
    public static FileStream Lock(string dir, string lockName)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, lockName);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 200)
            {
                Thread.Sleep(25); // another process holds it for a few milliseconds
            }
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="write"/>'s output, atomically and durably.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = path + $".{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        FsyncDirectory(dir);
    }

    /// <summary>Makes a rename or a delete itself durable (the directory entry), not just the file's bytes.</summary>
    public static void FsyncDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = LibC.Open(dir, LibC.ReadOnly | LibC.Directory);
        if (fd < 0)
        {
            throw new ModelStoreException($"{dir}: cannot open the directory to make a change durable (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }

        try
        {
            LibC.Fsync(fd);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    private static partial class LibC
    {
        public const int ReadOnly = 0;
        public const int Directory = 0x10000; // O_DIRECTORY on Linux x86-64 and arm64

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8, SetLastError = true)]
        public static partial int Open(string path, int flags);

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int Fsync(int fd);

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close")]
        public static partial int Close(int fd);
    }
}
