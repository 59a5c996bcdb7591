using EdgeAgent.Contracts;

namespace EdgeCloud.Storage;

/// <summary>
/// Everything the cloud keeps: the device registry, windows (unique by device, boot and sequence), device alarm
/// states, the fleet reference, API keys, commands and the audit log. LiteDB (<see cref="LiteDbCloudStore"/>, the
/// zero-set-up default) and PostgreSQL implement it and pass the same test suite.
/// </summary>
public interface ICloudStore : IDisposable
{
    Task<bool> AddDeviceAsync(DeviceRecord device, CancellationToken cancellationToken = default);

    Task<DeviceRecord?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies a status unless one with a higher bdSeq was seen (a late will never hides a newer birth).</summary>
    Task UpdateStatusAsync(string deviceId, StatusPayload status, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores windows in one transaction (one disk flush for the lot); for each, false when (deviceId, bootId, seq)
    /// was already stored, or appears earlier in the same batch.
    /// </summary>
    Task<IReadOnlyList<bool>> AddWindowsAsync(IReadOnlyList<WindowRecord> windows, CancellationToken cancellationToken = default);

    /// <summary>Stores one window; false for a duplicate.</summary>
    async Task<bool> AddWindowAsync(WindowRecord window, CancellationToken cancellationToken = default) => (await AddWindowsAsync([window], cancellationToken))[0];

    /// <summary>The models a device reported running, with their slots (from <c>state/reported</c>).</summary>
    Task UpdateModelsAsync(string deviceId, List<ModelRef> models, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<WindowRecord>> ListWindowsAsync(string deviceId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Windows of every device that ended at or after <paramref name="since"/>.</summary>
    Task<IReadOnlyList<WindowRecord>> WindowsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Stores an event and applies an alarm change to the device; false for a duplicate.</summary>
    Task<bool> AddEventAsync(string deviceId, EventPayload e, DateTimeOffset receivedAt, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<EventRecord>> ListEventsAsync(string? deviceId, int limit, CancellationToken cancellationToken = default);

    Task SetReferenceAsync(byte[] profile, string? description, CancellationToken cancellationToken = default);

    Task<(byte[] Profile, string? Description, DateTimeOffset At)?> GetReferenceAsync(CancellationToken cancellationToken = default);

    Task AddApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken = default);

    Task<ApiKeyRecord?> FindApiKeyAsync(string hash, CancellationToken cancellationToken = default);

    Task AddCommandAsync(CommandRecord command, CancellationToken cancellationToken = default);

    Task<CommandRecord?> GetCommandAsync(string deviceId, string cmdId, CancellationToken cancellationToken = default);

    /// <summary>Records a device's ack; false when the command is unknown.</summary>
    Task<bool> AckCommandAsync(string deviceId, CommandAck ack, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers a model version with its file (read from <paramref name="file"/>'s position to its end, never held whole
    /// in memory); false when that name and version exist (versions are immutable).
    /// </summary>
    Task<bool> AddModelAsync(SignedModelManifest model, Stream file, CancellationToken cancellationToken = default);

    Task<SignedModelManifest?> GetModelAsync(string name, string version, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SignedModelManifest>> ListModelsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads up to <paramref name="buffer"/>'s length of a registered model's file from <paramref name="offset"/>: the
    /// number of bytes read, 0 at or past its end or when there is no such version. Downloads stream through this in
    /// chunks, so a download costs one buffer, not one file.
    /// </summary>
    Task<int> ReadModelFileAsync(string name, string version, long offset, Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Points an alias of a model name (e.g. production, candidate) at one of its versions.</summary>
    Task SetAliasAsync(string name, string alias, string version, CancellationToken cancellationToken = default);

    Task<IReadOnlyDictionary<string, string>> GetAliasesAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes or renews the lease <paramref name="name"/> for <paramref name="holder"/> until <paramref name="until"/>;
    /// false while another holder's lease has not expired. Lets exactly one cloud instance drive rollouts.
    /// </summary>
    Task<bool> TryLeaseAsync(string name, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores revision <paramref name="revision"/> of a rollout (its JSON document) if the stored one is the revision
    /// before it (none for revision 1); false when another writer stored that revision first — the caller reads again.
    /// Keeps two cloud instances (the driving one's tick and an operator's command on another) from overwriting each other.
    /// </summary>
    Task<bool> TrySaveRolloutAsync(string id, long revision, string json, CancellationToken cancellationToken = default);

    Task<string?> GetRolloutAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every rollout's document, oldest first.</summary>
    Task<IReadOnlyList<string>> ListRolloutsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores what one device reported in a rollout unless a report with a higher <paramref name="seq"/> is stored
    /// already (reports arrive out of order through several instances); false when it was older.
    /// </summary>
    Task<bool> SetRolloutDeviceAsync(string rolloutId, string deviceId, ulong seq, string json, CancellationToken cancellationToken = default);

    /// <summary>Device id → its last report in the rollout.</summary>
    Task<IReadOnlyDictionary<string, string>> ListRolloutDevicesAsync(string rolloutId, CancellationToken cancellationToken = default);

    Task AppendAuditAsync(AuditRecord entry, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AuditRecord>> ListAuditAsync(int limit, CancellationToken cancellationToken = default);

    // Rollups: every newly stored window (never a duplicate) is queued in the same transaction, and rolled up once into
    // the rows of the instance that takes it from the queue (see RollupBuilder), in the transaction that dequeues it.

    /// <summary>
    /// Rolls up to <paramref name="maxWindows"/> queued windows into <paramref name="instance"/>'s rows; returns how many
    /// it took (0: none queued). Safe to call from several threads and cloud instances at once.
    /// </summary>
    Task<int> RollUpAsync(string instance, int maxWindows, CancellationToken cancellationToken = default);

    /// <summary>Windows stored but not rolled up yet.</summary>
    Task<long> PendingRollupsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every instance's rows of one label's cohorts whose bucket starts in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    Task<IReadOnlyList<CohortRollup>> ListCohortRollupsAsync(string label, RollupGrain grain, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Every instance's hourly rows of one device whose hour starts in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    Task<IReadOnlyList<DeviceRollup>> ListDeviceRollupsAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes one small batch (up to <paramref name="batch"/> rows of each kind) of windows and rollups older than the
    /// cutoffs; returns how many went (0: nothing left). Called in a loop between ingest batches, never holding ingest up.
    /// </summary>
    Task<int> PruneAsync(RetentionCutoffs cutoffs, int batch, CancellationToken cancellationToken = default);

    // Clips: metadata, labels and their 16-bit PCM in the store itself (several PostgreSQL instances all see every clip;
    // a clip is bounded by the upload limit, so it is read whole).

    /// <summary>Stores a clip and its audio in one transaction; false when a clip with that id is stored already.</summary>
    Task<bool> AddClipAsync(ClipRecord clip, byte[] pcm16, CancellationToken cancellationToken = default);

    Task<ClipRecord?> GetClipAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>A clip's 16-bit PCM (little-endian, mono), null when there is no such clip.</summary>
    Task<byte[]?> ReadClipAudioAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ClipRecord>> ListClipsAsync(ClipQuery query, CancellationToken cancellationToken = default);

    /// <summary>Sets (replaces) a clip's labels; false when there is no such clip.</summary>
    Task<bool> LabelClipAsync(string id, ClipLabels labels, CancellationToken cancellationToken = default);

    /// <summary>Clips of a device that arrived at or after <paramref name="since"/> (its quota).</summary>
    Task<int> CountClipsAsync(string deviceId, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Deletes up to <paramref name="batch"/> clips that expired at or before <paramref name="now"/>; how many went.</summary>
    Task<int> PruneClipsAsync(DateTimeOffset now, int batch, CancellationToken cancellationToken = default);

    /// <summary>Deletes clips (audio, metadata, labels) on request: the one with <paramref name="id"/>, or every clip of <paramref name="deviceId"/>; how many went.</summary>
    Task<int> DeleteClipsAsync(string? id, string? deviceId, CancellationToken cancellationToken = default);

    /// <summary>A shared setting, null when it was never written.</summary>
    Task<SettingRecord?> GetSettingAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Writes a setting; returns its new revision.</summary>
    Task<long> PutSettingAsync(string name, string value, CancellationToken cancellationToken = default);

    /// <summary>Writes a setting unless it exists; returns the stored one (so instances starting at once agree on one value).</summary>
    Task<SettingRecord> AddSettingAsync(string name, string value, CancellationToken cancellationToken = default);
}

public sealed record DeviceRecord
{
    public required string DeviceId { get; init; }

    public DeviceLabels Labels { get; init; } = new();

    /// <summary>SHA-256 (hex) of the device's MQTT password: a random 32-byte secret needs no slow hash.</summary>
    public required string PasswordHash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public bool Online { get; init; }

    public long BdSeq { get; init; }

    public DateTimeOffset? LastSeen { get; init; }

    public string? AgentVersion { get; init; }

    public List<ModelRef> Models { get; init; } = [];

    /// <summary>Family → the device's alarm state (only families that ever left ok).</summary>
    public Dictionary<string, AlarmStatus> Alarms { get; init; } = [];
}

public sealed record AlarmStatus(string State, DateTimeOffset Since, string? Detail);

public sealed record WindowRecord
{
    public required string DeviceId { get; init; }

    public required string BootId { get; init; }

    public ulong Seq { get; init; }

    public DateTimeOffset WindowStart { get; init; }

    public DateTimeOffset WindowEnd { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }

    public string? Verdict { get; init; }

    public double DurationSeconds { get; init; }

    public double SpeechSeconds { get; init; }

    public Dictionary<string, long> Detections { get; init; } = [];

    /// <summary>Implicit signals per keyword (empty from agents that predate them).</summary>
    public Dictionary<string, ImplicitSignals> Signals { get; init; } = [];

    public long OutboxDropped { get; init; }

    /// <summary>The window's profile in the compact encoding.</summary>
    public required byte[] Profile { get; init; }
}

public sealed record EventRecord(string DeviceId, string BootId, ulong Seq, DateTimeOffset At, DateTimeOffset ReceivedAt, string Kind, string Name, string? State, string? Detail);

public sealed record ApiKeyRecord(string Hash, string Name, string Role, DateTimeOffset CreatedAt);

public sealed record CommandRecord
{
    public required string DeviceId { get; init; }

    public required string CmdId { get; init; }

    public required string Name { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>sent, then the device's ack status (done, rejected, expired, unknown-command).</summary>
    public string Status { get; init; } = "sent";

    public string? Detail { get; init; }

    public DateTimeOffset? AckedAt { get; init; }
}

public sealed record AuditRecord(DateTimeOffset At, string Actor, string Role, string Action, string Target, string? Detail);
