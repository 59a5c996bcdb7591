using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeAgent.Clips;
using EdgeAgent.Contracts;
using EdgeAgent.Service.Fleet;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Clips;

/// <summary>
/// The clip queue's way out: fetches this device's clip policy from the cloud (at start and every
/// <see cref="ClipOptions.PolicyRefreshSeconds"/>) and hands it to <see cref="ClipCapture"/>, and drains the queue
/// oldest first with <c>POST /api/device/clips</c> (the sealed bytes exactly as queued). 2xx: stored, deleted; 400, 403,
/// 413: refused for good, deleted, counted, logged once; 429, 5xx and network errors: kept, retried with exponential
/// backoff and jitter. Never on the audio thread; a clip is deleted only after the cloud answered for it.
/// </summary>
internal sealed class ClipUploader(
    CloudHttp cloud,
    ClipCapture capture,
    ClipQueue queue,
    IOptions<AgentOptions> agent,
    IOptions<ClipOptions> options,
    TimeProvider time,
    ILogger<ClipUploader> logger) : BackgroundService
{
    public const string PolicyPath = "api/device/clips/policy";
    public const string UploadPath = "api/device/clips";

    private readonly ClipOptions _options = options.Value;
    private readonly ClipPolicyFile _kept = new(agent.Value.DataDir);
    private int _uploadFailures;
    private int _policyFailures;
    private DateTimeOffset? _failingSince;

    private enum Outcome
    {
        Stored,
        Refused,
        Retry,
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (cloud.Client is not { } http)
        {
            ClipLog.Off(logger);
            return;
        }

        Restore();
        DateTimeOffset nextPolicy = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (time.GetUtcNow() >= nextPolicy)
                {
                    nextPolicy = time.GetUtcNow() + await RefreshPolicyAsync(http, stoppingToken);
                    Enforce();
                }

                TimeSpan? retry = await DrainAsync(http, nextPolicy, stoppingToken);
                TimeSpan untilPolicy = nextPolicy - time.GetUtcNow();
                TimeSpan wait = retry is { } backoff && backoff < untilPolicy ? backoff : untilPolicy; // a backoff never delays the policy
                if (wait > TimeSpan.Zero)
                {
                    using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    Task delay = Task.Delay(wait, time, waiting.Token);
                    NextAttempt = time.GetUtcNow() + wait;

                    // A new clip wakes the drain, except while backing off.
                    await (retry is null ? Task.WhenAny(delay, capture.WaitQueuedAsync(waiting.Token)) : delay);
                    await waiting.CancelAsync();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    /// <summary>When the uploader wakes next (a retry, or the next policy fetch), once it waits.</summary>
    internal DateTimeOffset? NextAttempt { get; private set; }

    /// <summary>Fetches the policy; returns when to fetch it again (sooner after a failure).</summary>
    internal async Task<TimeSpan> RefreshPolicyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        ClipPolicy current = capture.Policy;
        string problem;
        try
        {
            using LinkedTimeout timeout = Timeout(cancellationToken);
            using HttpResponseMessage response = await http.GetAsync(PolicyPath, timeout.Token);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                Apply(ClipPolicy.Off); // a cloud without clips
                return Refreshed();
            }

            if (response.IsSuccessStatusCode)
            {
                ClipPolicy? policy = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ClipPolicy, timeout.Token);
                string? bad = policy is null ? "an empty answer" : ClipPolicyCheck.Problem(policy);
                if (bad is not null)
                {
                    ClipLog.BadPolicy(logger, bad);
                    return Refreshed(); // the cloud's answer is wrong, not late: asking again soon would not help
                }

                Apply(policy!);
                return Refreshed();
            }

            problem = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or NotSupportedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            problem = ex is OperationCanceledException ? $"no answer within {_options.RequestTimeoutSeconds} s" : ex.Message;
        }

        TimeSpan retry = Backoff(++_policyFailures);
        ClipLog.PolicyFailed(logger, problem, current.Version, State(current), retry.TotalSeconds);
        return retry;
    }

    /// <summary>
    /// Sends the queue oldest first until it is empty, the policy is due, or a send fails: then returns the backoff
    /// before the next attempt.
    /// </summary>
    internal async Task<TimeSpan?> DrainAsync(HttpClient http, DateTimeOffset policyDue, CancellationToken cancellationToken)
    {
        while (queue.Oldest() is { } clip)
        {
            (Outcome outcome, int status, string detail) = await SendAsync(http, clip, cancellationToken);
            switch (outcome)
            {
                case Outcome.Stored:
                    queue.Delete(clip);
                    capture.Counters.AddSent();
                    break;
                case Outcome.Refused:
                    queue.Delete(clip);
                    capture.Counters.AddRefused();
                    ClipLog.Refused(logger, clip.ClipId, status, detail, capture.Counters.Refused);
                    break;
                default:
                    _failingSince ??= time.GetUtcNow();
                    TimeSpan retry = Backoff(++_uploadFailures);
                    ClipLog.UploadFailed(logger, detail, queue.Count, retry.TotalSeconds);
                    return retry;
            }

            if (_failingSince is { } since)
            {
                ClipLog.Resumed(logger, (time.GetUtcNow() - since).TotalSeconds);
                _failingSince = null;
            }

            _uploadFailures = 0;
            if (time.GetUtcNow() >= policyDue)
            {
                break;
            }
        }

        return null;
    }

    private async Task<(Outcome Outcome, int Status, string Detail)> SendAsync(HttpClient http, QueuedClip clip, CancellationToken cancellationToken)
    {
        if (clip.Metadata is null)
        {
            return (Outcome.Refused, 0, $"damaged on the device: {clip.Problem}");
        }

        byte[] body;
        try
        {
            body = await File.ReadAllBytesAsync(clip.Path, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return (Outcome.Stored, 0, "purged meanwhile"); // edgectl clips purge: nothing left to send
        }

        try
        {
            using LinkedTimeout timeout = Timeout(cancellationToken);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using HttpResponseMessage response = await http.PostAsync(UploadPath, content, timeout.Token);
            int status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (Outcome.Stored, status, "");
            }

            string error = await ErrorOf(response, timeout.Token);
            return status is 400 or 403 or 413
                ? (Outcome.Refused, status, error)
                : (Outcome.Retry, status, $"HTTP {status} for clip {clip.ClipId}: {error}");
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (Outcome.Retry, 0, ex is OperationCanceledException ? $"no answer within {_options.RequestTimeoutSeconds} s" : ex.Message);
        }
    }

    /// <summary>The wait after the <paramref name="attempt"/>-th failure in a row: doubling, capped, with jitter (half to all of it).</summary>
    internal TimeSpan Backoff(int attempt)
    {
        double seconds = Math.Min(_options.BackoffSeconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)), Math.Max(_options.BackoffSeconds, _options.MaxBackoffSeconds));
        return TimeSpan.FromSeconds(seconds * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    /// <summary>The policy kept from the last run, until the cloud answers.</summary>
    private void Restore()
    {
        if (_kept.Load(out string? problem) is { } policy)
        {
            capture.Policy = policy;
            ClipLog.Restored(logger, policy.Version, State(policy), _kept.Path);
        }
        else if (problem is not null)
        {
            ClipLog.BadPolicy(logger, $"{_kept.Path}: {problem}");
        }
    }

    private void Apply(ClipPolicy policy)
    {
        ClipPolicy before = capture.Policy;
        capture.Policy = policy;
        if (before != policy)
        {
            try
            {
                _kept.Save(policy);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                ClipLog.PolicyNotKept(logger, _kept.Path, ex.Message);
            }
        }

        if (before.Version != policy.Version || before.Enabled != policy.Enabled || ReferenceEquals(before, ClipPolicy.Off))
        {
            ClipTriggers t = policy.Triggers;
            string triggers = string.Join(", ", new[]
            {
                t.Detections ? "detections" : null,
                t.NearMiss is { } n ? $"near misses from {n.Low:0.###}" : null,
                t.RandomSpeech is { } r ? $"{r.Rate:P1} of speech" : null,
                t.DuringDriftAlarm ? "during drift alarms" : null,
            }.Where(s => s is not null));
            ClipLog.Policy(logger, policy.Version, State(policy), triggers.Length > 0 ? triggers : "no triggers", policy.MaxClipsPerHour, policy.MaxQueueBytes, policy.RetentionDays);
        }
    }

    private TimeSpan Refreshed()
    {
        _policyFailures = 0;
        return TimeSpan.FromSeconds(_options.PolicyRefreshSeconds);
    }

    /// <summary>Retention and the byte bound hold even when nothing new is captured.</summary>
    private void Enforce()
    {
        ClipPolicy policy = capture.Policy;
        if (!policy.Enabled)
        {
            return; // keep what is queued until a policy says how long; the cloud refuses it (403) if clips are off
        }

        IReadOnlyList<QueuedClip> dropped = queue.Enforce(policy.MaxQueueBytes, TimeSpan.FromDays(policy.RetentionDays), time.GetUtcNow());
        if (dropped.Count > 0)
        {
            capture.Counters.AddDropped(dropped.Count);
            ClipLog.Dropped(logger, dropped.Count, policy.RetentionDays, policy.MaxQueueBytes);
        }
    }

    /// <summary>The request's deadline on the agent's clock, linked to the stop.</summary>
    private LinkedTimeout Timeout(CancellationToken cancellationToken) => new(TimeSpan.FromSeconds(_options.RequestTimeoutSeconds), time, cancellationToken);

    private sealed class LinkedTimeout(TimeSpan after, TimeProvider time, CancellationToken cancellationToken) : IDisposable
    {
        private readonly CancellationTokenSource _deadline = new(after, time);
        private CancellationTokenSource? _linked;

        public CancellationToken Token => (_linked ??= CancellationTokenSource.CreateLinkedTokenSource(_deadline.Token, cancellationToken)).Token;

        public void Dispose()
        {
            _linked?.Dispose();
            _deadline.Dispose();
        }
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not the cloud's error shape: the start of the body says enough.
        }

        return body.Length > 200 ? body[..200] : body.Length > 0 ? body : response.ReasonPhrase ?? "";
    }

    private static string State(ClipPolicy policy) => policy.Enabled ? "on" : "off";
}
