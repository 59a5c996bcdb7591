using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeCloud.Registry;

/// <summary>
/// What the registry checks of an uploaded file before it signs it: ONNX Runtime loads it (the same session options as
/// the agent), and its inputs and outputs are the ones the manifest declares. A manifest that declares none gets the
/// file's own, so nobody copies a tensor signature by hand.
/// </summary>
internal static class OnnxModelCheck
{
    /// <summary>The manifest to sign (with the file's tensors when it declared none), or the problem.</summary>
    public static (ModelPackageManifest? Manifest, string? Problem) Check(string path, ModelPackageManifest manifest)
    {
        TensorSignature[] inputs, outputs;
        try
        {
            using InferenceSession session = OnnxSessions.Open(path, new OnnxOptions());
            inputs = OnnxSessions.Signature(session.InputMetadata);
            outputs = OnnxSessions.Signature(session.OutputMetadata);
        }
        catch (ModelStoreException ex)
        {
            return (null, $"the file is not a model ONNX Runtime can load: {FirstLine(ex.InnerException?.Message ?? ex.Message)}");
        }

        if (inputs.Length == 0 || outputs.Length == 0)
        {
            return (null, $"the file has {inputs.Length} input(s) and {outputs.Length} output(s); a model needs at least one of each");
        }

        if ((Problem("inputs", manifest.Inputs, inputs) ?? Problem("outputs", manifest.Outputs, outputs)) is { } problem)
        {
            return (null, problem);
        }

        return (manifest with { Inputs = manifest.Inputs is { Count: > 0 } ? manifest.Inputs : Specs(inputs), Outputs = manifest.Outputs is { Count: > 0 } ? manifest.Outputs : Specs(outputs) }, null);
    }

    private static string? Problem(string what, List<TensorSpec>? declared, TensorSignature[] actual)
    {
        if (declared is not { Count: > 0 })
        {
            return null;
        }

        TensorSignature[] expected = declared.Select(t => new TensorSignature(t.Name, t.Type, t.Shape)).ToArray();
        return TensorSignature.SameSet(expected, actual)
            ? null
            : $"the manifest declares {what} {TensorSignature.Describe(expected)} but the file has {TensorSignature.Describe(actual)} (omit {what} to take the file's)";
    }

    private static List<TensorSpec> Specs(TensorSignature[] tensors) => tensors.Select(t => new TensorSpec(t.Name, t.Type, t.Shape)).ToList();

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
