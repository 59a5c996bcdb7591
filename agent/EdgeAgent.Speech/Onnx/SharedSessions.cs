using EdgeAgent.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Speech.Onnx;

/// <summary>
/// ONNX Runtime sessions shared, reference-counted, by model sha256 and session settings: the live, standby, previous
/// and shadow pipelines of a rollout differ by one model, so they hold one session per distinct model, not one per
/// pipeline. A session runs concurrently from several threads (ORT allows it); each user binds its own buffers
/// (<see cref="BoundSession"/>). The last lease released disposes the session.
/// </summary>
internal static class SharedSessions
{
    private static readonly Dictionary<Key, Entry> s_entries = [];
    private static readonly Lock s_lock = new();

    /// <summary>Sessions currently open through the cache (for tests and diagnostics).</summary>
    public static int Count
    {
        get
        {
            lock (s_lock)
            {
                return s_entries.Count;
            }
        }
    }

    public static Lease Acquire(InstalledModel model, OnnxOptions options) =>
        Acquire(model, string.Empty, options, () => OnnxSessions.Open(model, options));

    /// <summary>
    /// A session over a model derived from <paramref name="model"/>'s file (<paramref name="variant"/> names the
    /// derivation, e.g. one streaming stage of the embedding), shared like the model's own; <paramref name="open"/>
    /// runs only when no such session is open yet.
    /// </summary>
    public static Lease Acquire(InstalledModel model, string variant, OnnxOptions options, Func<InferenceSession> open)
    {
        var key = new Key(model.Manifest.Sha256.ToLowerInvariant(), variant, options.IntraOpThreads, options.CpuMemArena);
        lock (s_lock)
        {
            if (s_entries.TryGetValue(key, out Entry? entry))
            {
                entry.References++;
                return new Lease(key, entry.Session);
            }
        }

        // Loading takes a while: outside the lock; a racing loader's session is dropped.
        InferenceSession session = open();
        lock (s_lock)
        {
            if (s_entries.TryGetValue(key, out Entry? entry))
            {
                entry.References++;
                session.Dispose();
                return new Lease(key, entry.Session);
            }

            s_entries[key] = new Entry(session) { References = 1 };
            return new Lease(key, session);
        }
    }

    private static void Release(Key key)
    {
        InferenceSession? last = null;
        lock (s_lock)
        {
            if (s_entries.TryGetValue(key, out Entry? entry) && --entry.References == 0)
            {
                s_entries.Remove(key);
                last = entry.Session;
            }
        }

        last?.Dispose();
    }

    internal readonly record struct Key(string Sha256, string Variant, int IntraOpThreads, bool CpuMemArena);

    private sealed class Entry(InferenceSession session)
    {
        public InferenceSession Session { get; } = session;

        public int References { get; set; }
    }

    /// <summary>One user's hold on a shared session; disposing it more than once releases it once.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly Key _key;
        private int _released;

        internal Lease(Key key, InferenceSession session)
        {
            _key = key;
            Session = session;
        }

        public InferenceSession Session { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Release(_key);
            }
        }
    }
}
