using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Drift.Profiles;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Ingest;

/// <summary>
/// Takes one message from a device: checks topic and ownership, size, rate and schema, stores it (windows and events
/// deduplicated by device, boot and sequence, in whatever order they come) and counts the outcome. A bad message is
/// rejected with its reason and logged with the device id; it never affects other devices.
/// </summary>
public sealed partial class Ingestor(
    ICloudStore store, WindowWriter windows, IngestStats stats, RateLimiter rate, IRolloutInbox rollouts, IOptions<CloudOptions> options, TimeProvider time, ILogger<Ingestor> logger)
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";

    private readonly LogThrottle<(string, string)> _rejections = new();
    private readonly LogThrottle<string> _invalid = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    /// <param name="owner">The authenticated device (embedded broker), or null when the broker enforced the ACL itself.</param>
    /// <returns><see cref="Accepted"/>, <see cref="Duplicate"/> or the rejection reason.</returns>
    public async Task<string> IngestAsync(string? owner, string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        string outcome = await ClassifyAsync(owner, topic, payload, cancellationToken);
        switch (outcome)
        {
            case Accepted:
                stats.Accept();
                break;
            case Duplicate:
                stats.Duplicate();
                break;
            default:
                stats.Reject(outcome);
                // A flood must not flood the log: the first few per device and reason, then every power of two.
                if (_rejections.Count((owner ?? topic, outcome), out long n))
                {
                    Log.Rejected(logger, owner ?? "?", topic, outcome, n);
                }

                break;
        }

        return outcome;
    }

    private async Task<string> ClassifyAsync(string? owner, string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!Topics.TryParse(topic, out string? deviceId, out string? leaf))
        {
            return Rejections.Topic;
        }

        if (owner is not null && owner != deviceId)
        {
            return Rejections.Acl;
        }

        if (payload.Length > options.Value.Ingest.MaxPayloadBytes)
        {
            return Rejections.TooLarge;
        }

        if (!rate.TryTake(deviceId))
        {
            return Rejections.Rate;
        }

        // Devices are never removed, so a known one need not be looked up again (the hot path stays off the store).
        if (!_known.ContainsKey(deviceId))
        {
            if (await store.GetDeviceAsync(deviceId, cancellationToken) is null)
            {
                return Rejections.UnknownDevice;
            }

            _known.TryAdd(deviceId, 0);
        }

        DateTimeOffset now = time.GetUtcNow();
        try
        {
            return await StoreAsync(deviceId, leaf, payload, now, cancellationToken);
        }
        catch (SchemaVersionException)
        {
            return Rejections.Schema;
        }
        catch (ProfileBoundsException ex)
        {
            return Invalid(deviceId, ex.Message);
        }
        catch (PoisonWindowException ex)
        {
            // The store refused this window alone while the rest of its batch was stored: a check above is missing.
            Log.StoreRefused(logger, ex.InnerException, deviceId);
            return Rejections.Store;
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return Rejections.Malformed;
        }
    }

    private async Task<string> StoreAsync(string deviceId, string leaf, ReadOnlyMemory<byte> payload, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (leaf == Topics.Status)
        {
            StatusPayload status = Parse(payload, ContractsJsonContext.Default.StatusPayload);
            if (PayloadChecks.Status(status) is { } problem)
            {
                return Invalid(deviceId, problem);
            }

            await store.UpdateStatusAsync(deviceId, status, now, cancellationToken);
            if (status.State == StatusPayload.Online)
            {
                // Not from inside the broker's callback: the desired state goes out through the same broker.
                _ = Task.Run(() => rollouts.OnDeviceOnlineAsync(deviceId, status.BdSeq, CancellationToken.None), CancellationToken.None);
            }

            return Accepted;
        }

        if (leaf == Topics.Summary)
        {
            SummaryPayload s = Parse(payload, ContractsJsonContext.Default.SummaryPayload);
            byte[] encoded = Convert.FromBase64String(s.Profile ?? throw new JsonException("profile is null"));
            double durationSeconds, speechSeconds;
            SignalProfile profile = ScratchProfiles.Rent();
            try
            {
                ProfileCodec.Decode(encoded, profile);
                if (PayloadChecks.Summary(s, profile, now) is { } problem)
                {
                    return Invalid(deviceId, problem);
                }

                (durationSeconds, speechSeconds) = (profile.DurationSeconds, profile.SpeechSeconds);
            }
            finally
            {
                ScratchProfiles.Return(profile); // read no more below
            }

            bool added = await windows.AddAsync(
                new WindowRecord
                {
                    DeviceId = deviceId, BootId = s.BootId, Seq = s.Seq, WindowStart = s.WindowStart, WindowEnd = s.WindowEnd, ReceivedAt = now,
                    Verdict = s.Verdict, DurationSeconds = Math.Round(durationSeconds, 3), SpeechSeconds = Math.Round(speechSeconds, 3),
                    Detections = s.Detections, OutboxDropped = s.OutboxDropped, Profile = encoded, Signals = s.Signals ?? [],
                });
            return added ? Accepted : Duplicate;
        }

        if (leaf == Topics.Events)
        {
            EventPayload e = Parse(payload, ContractsJsonContext.Default.EventPayload);
            if (PayloadChecks.Event(e, now) is { } problem)
            {
                return Invalid(deviceId, problem);
            }

            return await store.AddEventAsync(deviceId, e, now, cancellationToken) ? Accepted : Duplicate;
        }

        if (leaf.StartsWith("cmd/", StringComparison.Ordinal) && leaf.EndsWith("/ack", StringComparison.Ordinal))
        {
            CommandAck ack = Parse(payload, ContractsJsonContext.Default.CommandAck);
            if (PayloadChecks.Ack(ack) is { } problem)
            {
                return Invalid(deviceId, problem);
            }

            return await store.AckCommandAsync(deviceId, ack, now, cancellationToken) ? Accepted : Rejections.Invalid;
        }

        if (leaf == Topics.StateReported)
        {
            ReportedState reported = Parse(payload, ContractsJsonContext.Default.ReportedState);
            if (PayloadChecks.Reported(reported) is { } problem)
            {
                return Invalid(deviceId, problem);
            }

            await store.UpdateModelsAsync(deviceId, reported.Models, cancellationToken);
            await rollouts.OnReportedAsync(deviceId, reported, cancellationToken);
            return Accepted;
        }

        if (leaf == Topics.StateProgress)
        {
            RolloutProgress progress = Parse(payload, ContractsJsonContext.Default.RolloutProgress);
            if (PayloadChecks.Progress(progress, now) is { } problem)
            {
                return Invalid(deviceId, problem);
            }

            return await rollouts.OnProgressAsync(deviceId, progress, cancellationToken) ? Accepted : Rejections.Invalid;
        }

        return Rejections.Topic;
    }

    private string Invalid(string deviceId, string problem)
    {
        if (_invalid.Count(deviceId, out _))
        {
            Log.Invalid(logger, deviceId, problem);
        }

        return Rejections.Invalid;
    }

    /// <summary>One pass over the payload; a wrong or missing schemaVersion is a schema rejection, anything else malformed.</summary>
    private static T Parse<T>(ReadOnlyMemory<byte> payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        T value;
        try
        {
            value = JsonSerializer.Deserialize(payload.Span, type) ?? throw new JsonException("payload is not a JSON object");
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or ArgumentException)
        {
            // The other ways System.Text.Json refuses input (e.g. a JSON null for a required object inside a converter).
            throw new JsonException(ex.Message, ex);
        }

        int version = value switch
        {
            StatusPayload p => p.SchemaVersion,
            SummaryPayload p => p.SchemaVersion,
            EventPayload p => p.SchemaVersion,
            CommandAck p => p.SchemaVersion,
            ReportedState p => p.SchemaVersion,
            RolloutProgress p => p.SchemaVersion,
            _ => throw new JsonException($"no schema for {typeof(T).Name}"),
        };
        return version == Contract.SchemaVersion ? value : throw new SchemaVersionException();
    }

    private sealed class SchemaVersionException : Exception;

    private static partial class Log
    {
        [LoggerMessage(5000, LogLevel.Warning, "Rejected a message from {DeviceId} on {Topic}: {Reason} ({Count} so far for this device and reason)")]
        public static partial void Rejected(ILogger logger, string deviceId, string topic, string reason, long count);

        [LoggerMessage(5001, LogLevel.Warning, "Invalid message from {DeviceId}: {Problem}")]
        public static partial void Invalid(ILogger logger, string deviceId, string problem);

        [LoggerMessage(5002, LogLevel.Error, "The store refused a window of {DeviceId} that passed every check")]
        public static partial void StoreRefused(ILogger logger, Exception? exception, string deviceId);
    }
}

/// <summary>Why a message was rejected (the keys of <c>GET /api/ingest/stats</c>'s <c>rejected</c>).</summary>
public static class Rejections
{
    public const string Topic = "topic";
    public const string Acl = "acl";
    public const string TooLarge = "too-large";
    public const string Rate = "rate";
    public const string UnknownDevice = "unknown-device";
    public const string Malformed = "malformed";
    public const string Schema = "schema";
    public const string Invalid = "invalid";

    /// <summary>The store refused a message that passed the checks while the rest of its batch was stored.</summary>
    public const string Store = "store";
}
