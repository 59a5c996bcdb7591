using EdgeAgent.Core.Models;

namespace EdgeCtl.Analysis;

/// <summary>What <c>edgectl models list --json</c> prints.</summary>
public sealed record ModelListReport(string Store, IReadOnlyList<ModelManifest> Models, IReadOnlyList<string> Problems, IReadOnlyDictionary<string, ModelSlot>? Slots = null);
