using EdgeAgent.Core.Models;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Slots;

namespace EdgeCtl.Analysis;

/// <summary>What <c>edgectl models list --json</c> prints: the store, the slots, and the technicians' intents the agent has not applied yet.</summary>
public sealed record ModelListReport(
    string Store, IReadOnlyList<ModelManifest> Models, IReadOnlyList<string> Problems, IReadOnlyDictionary<string, ModelSlot>? Slots = null, IReadOnlyList<TechnicianIntent>? PendingIntents = null);
