using System.Text.Json;
using EdgeAgent.Core.Models;

namespace EdgeAgent.Updates.Slots;

/// <summary>
/// Which installed version of each model name the device runs: <c>&lt;store&gt;/slots.json</c>, owned by the agent's
/// reconciler (<c>edgectl</c> reads it and writes intents, never the slots). Every change is read-modify-write under an
/// exclusive lock file and lands by an atomic pointer switch (<see cref="AtomicFile"/>), so a kill -9 or a power cut at
/// any moment leaves either the old or the new pointers, never a torn file.
/// </summary>
public static class ModelSlots
{
    public const string FileName = "slots.json";
    private const string LockName = ".slots.lock";

    public static string PathIn(string root) => Path.Combine(root, FileName);

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
            SlotsDocument doc = JsonSerializer.Deserialize(bytes, UpdatesJsonContext.Default.SlotsDocument) ?? throw new JsonException("empty document");
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
        using FileStream lockFile = AtomicFile.Lock(root, LockName);
        SlotsDocument current = Read(root);
        SlotsDocument next = change(current);
        if (!ReferenceEquals(next, current))
        {
            AtomicFile.Write(PathIn(root), stream => JsonSerializer.Serialize(stream, next, UpdatesJsonContext.Default.SlotsDocument));
        }

        return next;
    }
}
