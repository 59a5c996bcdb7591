using EdgeAgent.Drift.Profiles;
using Microsoft.Extensions.ObjectPool;

namespace EdgeCloud.Ingest;

/// <summary>
/// Profiles to decode a window into and drop right after (ingest's checks, the roll-up's merge): a decoded profile is
/// ~32 KB of histograms, and each window was decoded twice, so under a fleet's load the cloud allocated ~250 MB/s of
/// them. Rented, decoded into (<see cref="ProfileCodec.Decode(ReadOnlySpan{byte}, SignalProfile)"/>) and returned;
/// a profile returned must no longer be read.
/// </summary>
public static class ScratchProfiles
{
    private static readonly ObjectPool<SignalProfile> s_pool = new DefaultObjectPoolProvider().Create(new Policy());

    public static SignalProfile Rent() => s_pool.Get();

    public static void Return(SignalProfile profile) => s_pool.Return(profile);

    private sealed class Policy : PooledObjectPolicy<SignalProfile>
    {
        public override SignalProfile Create() => new();

        public override bool Return(SignalProfile obj) => true; // the next decode overwrites or clears all of it
    }
}
