using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Speech.Vad;

/// <summary>
/// Streaming Silero VAD. v5/v6 take 512 new samples with the previous call's last 64 prepended and carry one
/// <c>state</c> tensor; the legacy v4 takes 512 samples and carries <c>h</c> and <c>c</c>. Which interface a model
/// has is read from its inputs. Samples are 16 kHz in [-1, 1]; <see cref="Process"/> allocates nothing. The session runs
/// the model's graph folded for 16 kHz (<see cref="SampleRateFold"/>): the export's 8 kHz network is never built.
/// </summary>
public sealed class SileroVad : IDisposable
{
    public const int FrameSamples = 512;
    private const int Context = 64;
    private const int SampleRate = 16_000;
    private const string FoldedVariant = "sr16000";

    private readonly BoundSession _run;
    private readonly bool _legacy;
    private readonly float[] _input;
    private readonly float[] _state;      // v5/v6: [2,1,128]; legacy: h [2,1,64]
    private readonly float[] _stateOut;
    private readonly float[] _cell = [];  // legacy: c
    private readonly float[] _cellOut = [];
    private readonly float[] _output = new float[1];

    public SileroVad(InstalledModel model, OnnxOptions options)
        : this(model, options, foldSampleRate: true)
    {
    }

    /// <param name="foldSampleRate">False: the file's graph as it is, both sample-rate branches built (to compare against the fold).</param>
    internal SileroVad(InstalledModel model, OnnxOptions options, bool foldSampleRate)
    {
        Model = model;
        _run = foldSampleRate ? BoundSession.Shared(model, FoldedVariant, options, () => Open(model, options)) : BoundSession.Shared(model, options);
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
            HasSampleRateInput = inputs.ContainsKey("sr");
            if (HasSampleRateInput)
            {
                _run.BindInput<long>("sr", new long[] { SampleRate }, []);
            }

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

    /// <summary>False when the session runs the graph folded for 16 kHz (<see cref="SampleRateFold"/>).</summary>
    public bool HasSampleRateInput { get; }

    /// <summary>The recurrent state the next frame starts from (v5/v6: <c>state</c>; legacy: <c>h</c>).</summary>
    internal ReadOnlySpan<float> State => _state;

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

    /// <summary>
    /// The model's session, built from its graph folded for 16 kHz (<see cref="SampleRateFold"/>) when it has a sample
    /// rate branch, else from the file as it is (also when the folded graph would not load: the fold only saves memory).
    /// </summary>
    private static InferenceSession Open(InstalledModel model, OnnxOptions options)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(model.ModelPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelStoreException($"{model}: cannot read {model.ModelPath}: {ex.Message}", ex);
        }

        byte[]? folded = SampleRateFold.Fold(file, SampleRate);
        if (folded is not null)
        {
            try
            {
                return OnnxSessions.Open(folded, $"{model} folded for {SampleRate} Hz", options);
            }
            catch (ModelStoreException)
            {
                // the file itself decides below
            }
        }

        return OnnxSessions.Open(model, options);
    }
}
