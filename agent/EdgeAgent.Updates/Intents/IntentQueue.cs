using System.Globalization;
using System.Text.Json;
using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates.Intents;

/// <summary>
/// The technicians' intents of a model store: <c>&lt;store&gt;/intents/&lt;seq&gt;.json</c>, numbered in order and written
/// atomically (<see cref="AtomicFile"/>). An intent is pending while its number is above the slots'
/// <see cref="SlotsDocument.LastIntentSeq"/>: the agent applies it in the same slot write that records it, so a kill at
/// any moment applies it once; files at or below that number are leftovers and are removed.
/// </summary>
public static class IntentQueue
{
    public const string DirectoryName = "intents";
    private const string LockName = ".intents.lock";

    public static string DirIn(string root) => Path.Combine(root, DirectoryName);

    /// <summary>Writes <paramref name="intent"/> with the next number and returns it as written.</summary>
    public static TechnicianIntent Add(string root, TechnicianIntent intent)
    {
        string dir = DirIn(root);
        using FileStream lockFile = AtomicFile.Lock(dir, LockName);
        long last = Math.Max(ModelSlots.Read(root).LastIntentSeq, All(root).Select(i => i.Seq).DefaultIfEmpty(0).Max());
        TechnicianIntent written = intent with { Seq = last + 1 };
        AtomicFile.Write(PathOf(root, written.Seq), stream => JsonSerializer.Serialize(stream, written, UpdatesJsonContext.Default.TechnicianIntent));
        return written;
    }

    /// <summary>The intents not applied yet, in order.</summary>
    /// <exception cref="ModelStoreException">An intent file is unreadable (the message names it).</exception>
    public static IReadOnlyList<TechnicianIntent> Pending(string root, SlotsDocument slots) =>
        All(root).Where(i => i.Seq > slots.LastIntentSeq).ToList();

    /// <summary>Removes the files of intents already applied (at or below <see cref="SlotsDocument.LastIntentSeq"/>).</summary>
    public static void RemoveApplied(string root, SlotsDocument slots)
    {
        foreach (string file in Files(root))
        {
            if (SeqOf(file) is { } seq && seq <= slots.LastIntentSeq)
            {
                File.Delete(file);
            }
        }
    }

    private static List<TechnicianIntent> All(string root)
    {
        var intents = new List<TechnicianIntent>();
        foreach (string file in Files(root))
        {
            if (SeqOf(file) is not { } seq)
            {
                continue;
            }

            try
            {
                TechnicianIntent intent = JsonSerializer.Deserialize(File.ReadAllBytes(file), UpdatesJsonContext.Default.TechnicianIntent) ?? throw new JsonException("empty intent");
                intents.Add(intent with { Seq = seq });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                throw new ModelStoreException($"{file}: unreadable technician intent: {ex.Message}", ex);
            }
        }

        return intents.OrderBy(i => i.Seq).ToList();
    }

    private static IEnumerable<string> Files(string root)
    {
        string dir = DirIn(root);
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.json") : [];
    }

    private static long? SeqOf(string file) =>
        long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out long seq) ? seq : null;

    private static string PathOf(string root, long seq) => Path.Combine(DirIn(root), seq.ToString("D8", CultureInfo.InvariantCulture) + ".json");
}
