namespace EdgeAgent.Core.Models;

/// <summary>What a model does in the pipeline; written in manifests as <c>vad</c>, <c>keyword</c>, <c>mel</c>, <c>embedding</c>.</summary>
public static class ModelKind
{
    public const string Vad = "vad";
    public const string Keyword = "keyword";
    public const string Mel = "mel";
    public const string Embedding = "embedding";

    public static bool IsKnown(string kind) => kind is Vad or Keyword or Mel or Embedding;
}
