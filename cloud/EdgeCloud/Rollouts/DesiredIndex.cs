using EdgeAgent.Contracts;

namespace EdgeCloud.Rollouts;

/// <summary>
/// Every device's desired state, computed once from all rollouts: per device and model name, what the newest rollout
/// that asks the device anything wants of it. A device with no entry for a model has no rollout asking anything of it.
/// </summary>
public static class DesiredIndex
{
    public static Dictionary<string, List<DesiredModel>> Build(IEnumerable<Rollout> rollouts)
    {
        var byDevice = new Dictionary<string, Dictionary<string, DesiredModel>>(StringComparer.Ordinal);
        foreach (Rollout r in rollouts.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal))
        {
            foreach (RolloutDevice d in r.Devices)
            {
                if (d.Mode is not { } mode)
                {
                    continue;
                }

                if (!byDevice.TryGetValue(d.DeviceId, out Dictionary<string, DesiredModel>? models))
                {
                    byDevice[d.DeviceId] = models = new Dictionary<string, DesiredModel>(StringComparer.Ordinal);
                }

                models[r.Model] = new DesiredModel
                {
                    RolloutId = r.Id, Name = r.Model, Version = r.Version, Mode = mode, Fallback = d.Baseline,
                    Reason = mode == DesiredModel.RolledBack ? r.History.LastOrDefault()?.Reason : null,
                    ProbationSeconds = r.ProbationSeconds, MaxP95Ms = r.Gates.MaxP95Ms, MinAgreement = r.Gates.MinAgreement, MinSamples = r.Gates.MinSamples,
                };
            }
        }

        return byDevice.ToDictionary(
            e => e.Key, e => e.Value.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
    }
}
