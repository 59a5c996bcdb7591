using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeCloud.Storage;

namespace EdgeCloud.Clips;

/// <summary>The fleet's clip policy in the store (one setting every instance reads), and each device's resolution of it.</summary>
public sealed class ClipPolicies(ICloudStore store, ClipKey key)
{
    /// <summary>The policy and its revision (0 and <see cref="FleetClipPolicy.Off"/> before an operator ever set one).</summary>
    public async Task<(FleetClipPolicy Policy, long Revision)> GetAsync(CancellationToken cancellationToken = default) =>
        await store.GetSettingAsync(FleetClipPolicy.SettingName, cancellationToken) is { } stored
            ? (JsonSerializer.Deserialize(stored.Value, ClipsJsonContext.Default.FleetClipPolicy) ?? FleetClipPolicy.Off, stored.Revision)
            : (FleetClipPolicy.Off, 0);

    public Task<long> SetAsync(FleetClipPolicy policy, CancellationToken cancellationToken = default) =>
        store.PutSettingAsync(FleetClipPolicy.SettingName, JsonSerializer.Serialize(policy, ClipsJsonContext.Default.FleetClipPolicy), cancellationToken);

    /// <summary>What <paramref name="device"/> may capture now.</summary>
    public async Task<ClipPolicy> ForDeviceAsync(DeviceRecord device, CancellationToken cancellationToken = default)
    {
        (FleetClipPolicy policy, long revision) = await GetAsync(cancellationToken);
        return policy.ResolveFor(device.Labels, revision, key.PublicKey);
    }
}
