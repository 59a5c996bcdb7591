using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;

namespace EdgeCloud.Clips;

/// <summary>
/// The operator's clip policy for the fleet (one, shared by every instance through the store): which devices may capture
/// (<see cref="Labels"/>, null for all), by which triggers, how many per hour, kept how long. Off until an operator
/// turns it on. <see cref="ResolveFor"/> makes a device's <see cref="ClipPolicy"/> of it.
/// </summary>
public sealed record FleetClipPolicy
{
    public const string SettingName = "clip-policy";

    public Dictionary<string, string>? Labels { get; init; }

    public bool Enabled { get; init; }

    public ClipTriggers Triggers { get; init; } = new();

    public int MaxClipsPerHour { get; init; }

    public int RetentionDays { get; init; } = 30;

    public string? UpdatedBy { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    public static FleetClipPolicy Off { get; } = new();

    /// <summary>
    /// The policy as <paramref name="device"/> gets it: enabled only when the policy is and its target selects the device's
    /// labels. The version is a digest of what the device gets (policy revision, whether it is on, the key), so it changes
    /// whenever any of them does; devices compare it for equality.
    /// </summary>
    public ClipPolicy ResolveFor(DeviceLabels device, long revision, string publicKey)
    {
        bool on = Enabled && LabelSelector.Selects(Labels, device);
        long version = Version(revision, on, publicKey);
        return on
            ? new ClipPolicy { Version = version, Enabled = true, Triggers = Triggers, MaxClipsPerHour = MaxClipsPerHour, RetentionDays = RetentionDays, PublicKey = publicKey }
            : new ClipPolicy { Version = version, Enabled = false, RetentionDays = RetentionDays, PublicKey = publicKey };
    }

    private static long Version(long revision, bool on, string publicKey)
    {
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{revision}/{on}/{publicKey}"));
        return (long)(BinaryPrimitives.ReadUInt64LittleEndian(digest) >> 1); // positive: 63 bits
    }
}
