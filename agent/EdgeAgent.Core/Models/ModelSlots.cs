using System.Text.Json;

namespace EdgeAgent.Core.Models;

/// <summary>
/// Which installed version of each model name the device runs: <c>&lt;store&gt;/slots.json</c>, shared by the agent
/// and <c>edgectl</c>. Every change is read-modify-write under an exclusive lock file and lands by an atomic
/// pointer switch (write a temporary file, fsync, rename, fsync the directory), so a kill -9 or a power cut at any
/// moment leaves either the old or the new pointers, never a torn file.
/// </summary>
public static partial class ModelSlots
{
    public const string FileName = "slots.json";
    private const string LockName = ".slots.lock";

    public static string PathIn(string root) => System.IO.Path.Combine(root, FileName);

    /// <summary>The current pointers; an empty document when none were ever written.</summary>
    /// <exception cref="ModelStoreException">The file is unreadable (the message says why).</exception>
    public static SlotsDocument Read(string root)
    {
        string path = PathIn(root);
        if (!File.Exists(path))
        {
            return new SlotsDocument();
        }

        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            SlotsDocument doc = JsonSerializer.Deserialize(bytes, ModelJsonContext.Default.SlotsDocument) ?? throw new JsonException("empty document");
            return doc.SchemaVersion == SlotsDocument.CurrentSchemaVersion
                ? doc
                : throw new ModelStoreException($"{path}: unsupported schemaVersion {doc.SchemaVersion}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ModelStoreException($"{path}: unreadable model slots: {ex.Message}", ex);
        }
    }

    /// <summary>Applies <paramref name="change"/> to the current pointers under the lock and switches to the result atomically.</summary>
    public static SlotsDocument Update(string root, Func<SlotsDocument, SlotsDocument> change)
    {
        Directory.CreateDirectory(root);
        using FileStream lockFile = AcquireLock(root);
        SlotsDocument next = change(Read(root));
        Write(root, next);
        return next;
    }

    private static void Write(string root, SlotsDocument doc)
    {
        string path = PathIn(root);
        string temp = path + $".{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, doc, ModelJsonContext.Default.SlotsDocument);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        FsyncDirectory(root);
    }

    private static FileStream AcquireLock(string root)
    {
        string path = System.IO.Path.Combine(root, LockName);
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

    /// <summary>Makes the rename itself durable (the directory entry), not just the file's bytes.</summary>
    private static void FsyncDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = LibC.Open(dir, LibC.ReadOnly | LibC.Directory);
        if (fd < 0)
        {
            throw new ModelStoreException($"{dir}: cannot open the directory to make the model slots durable (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
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

/// <summary>The content of <c>slots.json</c>.</summary>
public sealed record SlotsDocument
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The last desired-state version the agent applied (it ignores versions up to this one).</summary>
    public long AppliedVersion { get; init; }

    public Dictionary<string, ModelSlot> Models { get; init; } = [];

    /// <summary>Per model name, the last desired step applied (<c>rolloutId/mode</c>): a desired state repeating it is not applied again.</summary>
    public Dictionary<string, string> Applied { get; init; } = [];

    public ModelSlot? For(string name) => Models.GetValueOrDefault(name);

    /// <summary>A copy with <paramref name="name"/>'s slot replaced (removed when null).</summary>
    public SlotsDocument With(string name, ModelSlot? slot)
    {
        var models = new Dictionary<string, ModelSlot>(Models, StringComparer.Ordinal);
        if (slot is null)
        {
            models.Remove(name);
        }
        else
        {
            models[name] = slot;
        }

        return this with { Models = models };
    }
}

/// <summary>
/// One model name's pointers: the version serving (<see cref="Active"/>), the last good one before it
/// (<see cref="Previous"/>), a candidate being shadowed or staged, a technician's pin, and the probation of a
/// fresh activation.
/// </summary>
public sealed record ModelSlot
{
    public const string ShadowMode = "shadow";
    public const string StagedMode = "staged";

    public required string Active { get; init; }

    public string? Previous { get; init; }

    public string? Candidate { get; init; }

    /// <summary><see cref="ShadowMode"/> or <see cref="StagedMode"/>.</summary>
    public string? CandidateMode { get; init; }

    /// <summary>The rollout that put the active version or the candidate here.</summary>
    public string? RolloutId { get; init; }

    /// <summary>Set by <c>edgectl models pin</c>: this version runs and rollouts leave the name alone.</summary>
    public string? Pinned { get; init; }

    /// <summary>Set while the active version is on probation: until when, and how many agent starts it has seen.</summary>
    public DateTimeOffset? ProbationUntil { get; init; }

    public int ProbationStarts { get; init; }

    public double ProbationMaxP95Ms { get; init; }

    /// <summary>The least agreement with the previous model (run beside it during probation) and the samples that takes.</summary>
    public double ProbationMinAgreement { get; init; }

    public long ProbationMinSamples { get; init; }

    /// <summary>Who changed the pointers last and why (e.g. "edgectl models rollback"), reported to the cloud.</summary>
    public string? LastChange { get; init; }

    /// <summary>The version to run: the pin wins over the active pointer.</summary>
    public string Serving => Pinned ?? Active;
}
