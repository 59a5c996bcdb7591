namespace EdgeAgent.Core.Models;

/// <summary>One input or output of a model: name, element type and shape (-1 for a dynamic dimension).</summary>
public sealed record TensorSignature(string Name, string Type, long[] Shape)
{
    public bool Matches(TensorSignature other) =>
        Name == other.Name && Type == other.Type && Shape.AsSpan().SequenceEqual(other.Shape);
}
