using System.Collections.Concurrent;
using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Storage;

namespace EdgeCloud.Fleet;

/// <summary>
/// The training references registered model versions ship (their manifest's <c>referenceProfile</c>), for cohorts by
/// model version (<c>model:{name}</c>): each version's cohort is compared with what that version was trained on when it
/// ships one, else with the fleet reference. Registered versions are immutable, so each is read and decoded once.
/// </summary>
public sealed class ModelReferences(ICloudStore store)
{
    public const string Fleet = "fleet reference";

    private readonly ConcurrentDictionary<string, SignalProfile?> _decoded = new(StringComparer.Ordinal);

    /// <summary>The reference for cohort <paramref name="value"/> of <paramref name="groupBy"/> and what to call it.</summary>
    public async Task<(SignalProfile Reference, string Name)> ForAsync(string groupBy, string value, SignalProfile fleet, CancellationToken cancellationToken)
    {
        if (!groupBy.StartsWith(CohortDrift.ModelPrefix, StringComparison.Ordinal))
        {
            return (fleet, Fleet);
        }

        string name = groupBy[CohortDrift.ModelPrefix.Length..];
        string key = $"{name}@{value}";
        if (!_decoded.TryGetValue(key, out SignalProfile? shipped))
        {
            SignedModelManifest? model = await store.GetModelAsync(name, value, cancellationToken);
            shipped = model?.Manifest.ReferenceProfile is { } json ? Decode(json, key) : null;
            if (model is not null)
            {
                _decoded[key] = shipped; // a version not (yet) registered is asked again
            }
        }

        return shipped is null ? (fleet, Fleet) : (shipped, $"{key} training reference");
    }

    private static SignalProfile? Decode(System.Text.Json.JsonElement json, string what)
    {
        try
        {
            return ProfileDocument.Parse(json, what).ToProfile();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or ProfileBoundsException)
        {
            return null; // the fleet reference serves; the registry accepted a manifest whose profile does not decode
        }
    }
}
