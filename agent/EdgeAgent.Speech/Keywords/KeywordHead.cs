using System.Text.Json;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAgent.Speech.Keywords;

/// <summary>
/// One openWakeWord keyword head over the last W embeddings. W and the input name come from the model's metadata.
/// A single-output head scores its keyword; a multi-class head (timer) has class 0 = background, and its score is the
/// best non-background class, whose label is read from the JSON map in the output's name. Besides the newest window
/// it can score the windows that ended up to <c>maxLag</c> chunks earlier (one binding each), for the pipeline's
/// deferred scores after a gate opening.
/// </summary>
public sealed class KeywordHead : IDisposable
{
    private readonly BoundSession _run;
    private readonly BoundSession[] _lagged; // _lagged[k]: the window ending k chunks before the newest (0 = _run)
    private readonly float[] _output;

    internal KeywordHead(InstalledModel model, OnnxOptions options, float[] history, int historyChunks, int maxLag = 0)
    {
        Model = model;
        Keyword = model.Name;
        _run = BoundSession.Shared(model, options);
        InferenceSession session = _run.Session;
        _lagged = new BoundSession[maxLag + 1];
        _lagged[0] = _run;
        try
        {
            (string inputName, NodeMetadata input) = session.InputMetadata.Single();
            int[] dims = input.Dimensions;
            if (dims.Length != 3 || dims[2] != WakeWordFeatures.EmbeddingSize || dims[1] < 1)
            {
                throw new ModelStoreException($"{model}: not a keyword head: input {inputName} has shape [{string.Join(',', dims)}], expected [1,W,96]");
            }

            Window = dims[1];
            if (Window > historyChunks)
            {
                throw new ModelStoreException($"{model}: needs {Window} embeddings, the pipeline keeps {historyChunks}");
            }

            (string outputName, NodeMetadata output) = session.OutputMetadata.Single();
            int classes = output.Dimensions.Length == 2 ? Math.Max(1, output.Dimensions[1]) : 1;
            _output = new float[classes];
            Labels = classes > 1 ? ReadLabels(outputName, classes) : [];

            for (int lag = 0; lag <= maxLag; lag++)
            {
                _lagged[lag] ??= _run.CreateSibling();
                int end = history.Length - lag * WakeWordFeatures.EmbeddingSize;
                Memory<float> window = history.AsMemory(end - Window * WakeWordFeatures.EmbeddingSize, Window * WakeWordFeatures.EmbeddingSize);
                _lagged[lag].BindInput(inputName, window, [1, Window, WakeWordFeatures.EmbeddingSize]);
                _lagged[lag].BindOutput<float>(outputName, _output, [1, classes]);
            }
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or InvalidOperationException)
        {
            Dispose();
            throw new ModelStoreException($"{model}: not a keyword head: {ex.Message}", ex);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public InstalledModel Model { get; }

    /// <summary>The keyword: the model name (file name without its version suffix).</summary>
    public string Keyword { get; }

    /// <summary>How many 80 ms embeddings the head looks at.</summary>
    public int Window { get; }

    /// <summary>Class labels of a multi-class head (index 0 is background); empty for a single-output head.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Scores the history as it stands; <paramref name="label"/> is the winning class of a multi-class head.</summary>
    public float Score(out int label) => Score(0, out label);

    /// <summary>Scores the window that ended <paramref name="lag"/> chunks before the newest embedding.</summary>
    public float Score(int lag, out int label)
    {
        _lagged[lag].Run();
        if (_output.Length == 1)
        {
            label = 0;
            return _output[0];
        }

        label = 1;
        for (int i = 2; i < _output.Length; i++)
        {
            if (_output[i] > _output[label])
            {
                label = i;
            }
        }

        return _output[label];
    }

    public void Dispose()
    {
        for (int lag = 1; lag < _lagged.Length; lag++)
        {
            _lagged[lag]?.Dispose();
        }

        _run.Dispose();
    }

    private static string[] ReadLabels(string outputName, int classes)
    {
        var labels = new string[classes];
        for (int i = 0; i < classes; i++)
        {
            labels[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        try
        {
            using var doc = JsonDocument.Parse(outputName);
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                if (int.TryParse(p.Name, out int index) && index >= 0 && index < classes)
                {
                    labels[index] = p.Value.ToString();
                }
                else if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out index) && index >= 0 && index < classes)
                {
                    labels[index] = p.Name;
                }
            }
        }
        catch (JsonException)
        {
            // The name is not a label map: keep the class numbers.
        }

        return labels;
    }
}
