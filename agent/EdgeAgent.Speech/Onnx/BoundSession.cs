using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Speech.Onnx;

/// <summary>
/// A session whose inputs and outputs are bound once to preallocated managed buffers (<see cref="OrtIoBinding"/>):
/// per call the caller writes into its arrays and calls <see cref="Run"/>, which allocates nothing.
/// </summary>
internal sealed class BoundSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly List<OrtValue> _values = [];
    private readonly bool _ownsSession;

    public BoundSession(InferenceSession session)
        : this(session, ownsSession: true)
    {
    }

    private BoundSession(InferenceSession session, bool ownsSession)
    {
        _session = session;
        _ownsSession = ownsSession;
        _binding = session.CreateIoBinding();
    }

    /// <summary>Another set of bindings over the same session (which this one keeps owning).</summary>
    public BoundSession CreateSibling() => new(_session, ownsSession: false);

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
        if (_ownsSession)
        {
            _session.Dispose();
        }
    }

    private OrtValue Track<T>(Memory<T> buffer, long[] shape)
        where T : unmanaged
    {
        OrtValue value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer, shape);
        _values.Add(value);
        return value;
    }
}
