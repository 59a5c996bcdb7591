using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Speech.Vad;

/// <summary>
/// Streaming Silero VAD. v5/v6 take 512 new samples with the previous call's last 64 prepended and carry one
/// <c>state</c> tensor; the legacy v4 takes 512 samples and carries <c>h</c> and <c>c</c>. Which interface a model
/// has is read from its inputs. Samples are 16 kHz in [-1, 1]; <see cref="Process"/> allocates nothing.
/// </summary>
public sealed class SileroVad : IDisposable
{
    public const int FrameSamples = 512;
    private const int Context = 64;
    private const int SampleRate = 16_000;

    private readonly BoundSession _run;
    private readonly bool _legacy;
    private readonly float[] _input;
    private readonly float[] _state;      // v5/v6: [2,1,128]; legacy: h [2,1,64]
    private readonly float[] _stateOut;
    private readonly float[] _cell = [];  // legacy: c
    private readonly float[] _cellOut = [];
    private readonly float[] _output = new float[1];

    public SileroVad(InstalledModel model, OnnxOptions options)
    {
        Model = model;
        _run = BoundSession.Shared(model, options);
        InferenceSession session = _run.Session;
        IReadOnlyDictionary<string, NodeMetadata> inputs = session.InputMetadata;
        _legacy = inputs.ContainsKey("h") && inputs.ContainsKey("c");
        if (!_legacy && !inputs.ContainsKey("state"))
        {
            _run.Dispose();
            throw new ModelStoreException($"{model}: not a Silero VAD (inputs: {string.Join(", ", inputs.Keys)})");
        }

        try
        {
            _run.BindInput<long>("sr", new long[] { SampleRate }, []);
            _run.BindOutput<float>("output", _output, [1, 1]);
            if (_legacy)
            {
                _input = new float[FrameSamples];
                _state = new float[2 * 64];
                _stateOut = new float[2 * 64];
                _cell = new float[2 * 64];
                _cellOut = new float[2 * 64];
                _run.BindInput<float>("input", _input, [1, FrameSamples]);
                _run.BindInput<float>("h", _state, [2, 1, 64]);
                _run.BindInput<float>("c", _cell, [2, 1, 64]);
                _run.BindOutput<float>("hn", _stateOut, [2, 1, 64]);
                _run.BindOutput<float>("cn", _cellOut, [2, 1, 64]);
            }
            else
            {
                _input = new float[Context + FrameSamples];
                _state = new float[2 * 128];
                _stateOut = new float[2 * 128];
                _run.BindInput<float>("input", _input, [1, Context + FrameSamples]);
                _run.BindInput<float>("state", _state, [2, 1, 128]);
                _run.BindOutput<float>("stateN", _stateOut, [2, 1, 128]);
            }
        }
        catch (OnnxRuntimeException ex)
        {
            _run.Dispose();
            throw new ModelStoreException($"{model}: unexpected Silero VAD interface: {ex.Message}", ex);
        }
    }

    public InstalledModel Model { get; }

    /// <summary>Speech probability of the next 512 samples.</summary>
    public float Process(ReadOnlySpan<float> frame)
    {
        if (frame.Length != FrameSamples)
        {
            throw new ArgumentException($"Silero VAD takes {FrameSamples} samples per call, got {frame.Length}.", nameof(frame));
        }

        if (_legacy)
        {
            frame.CopyTo(_input);
        }
        else
        {
            frame.CopyTo(_input.AsSpan(Context));
        }

        _run.Run();
        _stateOut.CopyTo(_state, 0);
        if (_legacy)
        {
            _cellOut.CopyTo(_cell, 0);
        }
        else
        {
            // The next call sees this frame's last 64 samples first.
            _input.AsSpan(FrameSamples, Context).CopyTo(_input);
        }

        return _output[0];
    }

    public void Reset()
    {
        Array.Clear(_input);
        Array.Clear(_state);
        Array.Clear(_cell);
    }

    public void Dispose() => _run.Dispose();
}
