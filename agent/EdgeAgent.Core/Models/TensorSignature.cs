namespace EdgeAgent.Core.Models;

/// <summary>One input or output of a model: name, element type and shape (-1 for a dynamic dimension).</summary>
public sealed record TensorSignature(string Name, string Type, long[] Shape)
{
    public bool Matches(TensorSignature other) =>
        Name == other.Name && Type == other.Type && Shape.AsSpan().SequenceEqual(other.Shape);

    /// <summary>Whether a declared list of tensors is exactly the actual one, in any order.</summary>
    public static bool SameSet(IReadOnlyCollection<TensorSignature> declared, IReadOnlyCollection<TensorSignature> actual) =>
        declared.Count == actual.Count && declared.All(d => actual.Any(a => a.Matches(d)));

    /// <summary>For messages: <c>[input:float32[1,512], state:float32[2,1,128]]</c>.</summary>
    public static string Describe(IEnumerable<TensorSignature> tensors) =>
        "[" + string.Join(", ", tensors.Select(t => $"{t.Name}:{t.Type}[{string.Join(',', t.Shape)}]")) + "]";
}
