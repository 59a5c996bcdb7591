using EdgeAgent.Core.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeAgent.Speech.Onnx;

/// <summary>Creates sessions the same way everywhere and reads their tensor signatures.</summary>
public static class OnnxSessions
{
    public static InferenceSession Open(string modelPath, OnnxOptions options)
    {
        using SessionOptions so = CreateOptions(options);
        try
        {
            return new InferenceSession(modelPath, so);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelStoreException($"{modelPath}: ONNX Runtime cannot load it: {ex.Message}", ex);
        }
    }

    /// <summary>A session over a model built in memory (<paramref name="description"/> names it in errors).</summary>
    public static InferenceSession Open(byte[] model, string description, OnnxOptions options)
    {
        using SessionOptions so = CreateOptions(options);
        try
        {
            return new InferenceSession(model, so);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelStoreException($"{description}: ONNX Runtime cannot load it: {ex.Message}", ex);
        }
    }

    public static InferenceSession Open(InstalledModel model, OnnxOptions options) => Open(model.ModelPath, options);

    private static SessionOptions CreateOptions(OnnxOptions options)
    {
        var so = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            EnableCpuMemArena = options.CpuMemArena,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return so;
    }

    public static TensorSignature[] Signature(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        nodes.Select(kv => new TensorSignature(
                kv.Key,
                kv.Value.IsTensor ? TypeName(kv.Value.ElementDataType) : kv.Value.OnnxValueType.ToString(),
                kv.Value.IsTensor ? kv.Value.Dimensions.Select(d => (long)d).ToArray() : []))
            .ToArray();

    private static string TypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Double => "float64",
        TensorElementType.Int64 => "int64",
        TensorElementType.Int32 => "int32",
        TensorElementType.Int16 => "int16",
        TensorElementType.Int8 => "int8",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        _ => type.ToString().ToLowerInvariant(),
    };
}
