using EdgeAgent.Core.Models;

namespace EdgeAgent.Speech.Pipeline;

/// <summary>The store entries one pipeline runs: a VAD, the openWakeWord front end and the keyword heads.</summary>
public sealed record SpeechModels(InstalledModel Vad, InstalledModel Mel, InstalledModel Embedding, IReadOnlyList<InstalledModel> Keywords)
{
    public const string VadName = "silero_vad";
    public const string MelName = "melspectrogram";
    public const string EmbeddingName = "embedding";

    public IEnumerable<InstalledModel> All => new[] { Vad, Mel, Embedding }.Concat(Keywords);

    /// <summary>
    /// Picks the models from the store and checks every file against its manifest's sha256. A name with a slot
    /// (<paramref name="serving"/>: name → version, from the model slots) runs that version; otherwise <paramref name="vadVersion"/> for the VAD
    /// and the newest installed version for the rest. <paramref name="keywords"/> empty means every installed keyword model.
    /// </summary>
    /// <exception cref="ModelStoreException">A model is missing or damaged; the message says which.</exception>
    public static SpeechModels Select(ModelStore store, string vadVersion, IReadOnlyCollection<string> keywords, IReadOnlyDictionary<string, string>? serving = null)
    {
        InstalledModel Pick(string name, string? fallback = null) => store.Find(name, serving?.GetValueOrDefault(name) ?? fallback);

        InstalledModel vad = Pick(VadName, NormaliseVadVersion(vadVersion));
        InstalledModel mel = Pick(MelName);
        InstalledModel embedding = Pick(EmbeddingName);

        List<InstalledModel> heads;
        if (keywords.Count == 0)
        {
            heads = store.List().Where(m => m.Kind == ModelKind.Keyword)
                .Select(m => m.Name)
                .Distinct()
                .Order(StringComparer.Ordinal)
                .Select(name => Pick(name))
                .ToList();
            if (heads.Count == 0)
            {
                throw new ModelStoreException($"no keyword models are installed in {store.Root}; {ModelStore.FetchHint}");
            }
        }
        else
        {
            heads = keywords.Distinct().Select(k => Pick(k)).ToList();
            foreach (InstalledModel head in heads.Where(h => h.Kind != ModelKind.Keyword))
            {
                throw new ModelStoreException($"{head} is a {head.Kind} model, not a keyword model");
            }
        }

        var models = new SpeechModels(vad, mel, embedding, heads);
        foreach (InstalledModel model in models.All)
        {
            ModelStore.Verify(model);
        }

        return models;
    }

    /// <summary>Accepts <c>v5</c>, <c>v6</c>, <c>legacy</c> (= <c>v4</c>) and bare numbers.</summary>
    public static string NormaliseVadVersion(string version) => version.Trim().ToLowerInvariant() switch
    {
        "legacy" or "4" or "v4" => "v4",
        "5" => "v5",
        "6" => "v6",
        var v => v,
    };
}
