using EdgeAgent.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Speech.Onnx;

/// <summary>
/// A session whose inputs and outputs are bound once to preallocated managed buffers (<see cref="OrtIoBinding"/>):
/// per call the caller writes into its arrays and calls <see cref="Run"/>, which allocates nothing. Over a shared
/// session (<see cref="Shared"/>) it holds a lease on it instead of owning it.
/// </summary>
internal sealed class BoundSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly List<OrtValue> _values = [];
    private readonly IDisposable? _owner; // the session itself, a lease on a shared one, or nothing (a sibling)

    public BoundSession(InferenceSession session)
        : this(session, session)
    {
    }

    private BoundSession(InferenceSession session, IDisposable? owner)
    {
        _session = session;
        _owner = owner;
        _binding = session.CreateIoBinding();
    }

    /// <summary>Bindings over the process's shared session of <paramref name="model"/> (<see cref="SharedSessions"/>).</summary>
    public static BoundSession Shared(InstalledModel model, OnnxOptions options) => Over(SharedSessions.Acquire(model, options));

    /// <summary>Bindings over the process's shared session of a model derived from <paramref name="model"/> (see <see cref="SharedSessions.Acquire(InstalledModel, string, OnnxOptions, Func{InferenceSession})"/>).</summary>
    public static BoundSession Shared(InstalledModel model, string variant, OnnxOptions options, Func<InferenceSession> open) =>
        Over(SharedSessions.Acquire(model, variant, options, open));

    private static BoundSession Over(SharedSessions.Lease lease)
    {
        try
        {
            return new BoundSession(lease.Session, lease);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>Another set of bindings over the same session (which this one keeps holding).</summary>
    public BoundSession CreateSibling() => new(_session, owner: null);

    public InferenceSession Session => _session;

    public void BindInput<T>(string name, Memory<T> buffer, long[] shape)
        where T : unmanaged => _binding.BindInput(name, Track(buffer, shape));

    public void BindOutput<T>(string name, Memory<T> buffer, long[] shape)
        where T : unmanaged => _binding.BindOutput(name, Track(buffer, shape));

    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        foreach (OrtValue value in _values)
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _owner?.Dispose();
    }

    private OrtValue Track<T>(Memory<T> buffer, long[] shape)
        where T : unmanaged
    {
        OrtValue value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer, shape);
        _values.Add(value);
        return value;
    }
}
