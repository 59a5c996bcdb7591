using System.ComponentModel.DataAnnotations;

namespace EdgeCloud.Clips;

/// <summary>The clip store and upload (section <c>EdgeCloud:Clips</c>).</summary>
public sealed class ClipOptions
{
    /// <summary>
    /// PEM file of the P-256 key clips are sealed to. Default: with LiteDB a key made once in
    /// <c>&lt;DataDir&gt;/clip-key.pem</c> (owner-only); with PostgreSQL one made once and kept in the database, so every
    /// instance opens every clip.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>Largest sealed clip accepted (413 above it).</summary>
    [Range(4096, 64 * 1024 * 1024)]
    public int MaxUploadBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Clips per hour a device may send beyond its policy's maxClipsPerHour (a device's clock and hour are not the cloud's).</summary>
    [Range(0, 3600)]
    public int QuotaSlack { get; set; } = 2;

    /// <summary>How often expired clips are deleted.</summary>
    [Range(1, 86_400)]
    public int SweepEverySeconds { get; set; } = 600;

    /// <summary>Clips deleted per transaction by the sweep.</summary>
    [Range(1, 100_000)]
    public int SweepBatch { get; set; } = 500;
}
