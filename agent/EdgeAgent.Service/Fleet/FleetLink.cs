using System.Reflection;
using System.Text.Json;
using System.Threading.Channels;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Link;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Fleet;

/// <summary>
/// The agent's side of the fleet link: turns closed drift windows into <c>telemetry/summary</c> messages, alarm
/// changes and faults into <c>events</c>, writes them to the outbox (<c>&lt;DataDir&gt;/outbox.db</c>) and runs the
/// <see cref="MqttLink"/> that drains it. Without <c>EdgeAgent:Mqtt:Host</c> the link is off and nothing is queued.
/// </summary>
internal sealed partial class FleetLink : BackgroundService
{
    public const string SummarySequence = "summary";
    public const string EventSequence = "event";
    public const string ProgressSequence = "progress";

    private readonly string _deviceId;
    private readonly LinkOptions _options;
    private readonly DeviceLabels _labels;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetLink> _logger;
    private readonly Outbox? _outbox;
    private readonly Channel<DesiredState> _desired = Channel.CreateBounded<DesiredState>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private volatile List<ModelRef> _models = [];
    private MqttLink? _link;

    public FleetLink(IOptions<AgentOptions> agent, IOptions<LinkOptions> options, IOptions<DeviceLabels> labels, TimeProvider time, ILogger<FleetLink> logger)
    {
        _deviceId = agent.Value.DeviceId;
        _options = options.Value;
        _labels = labels.Value;
        _time = time;
        _logger = logger;
        _outbox = _options.Enabled ? new Outbox(agent.Value.DataDir, _options.OutboxMaxBytes) : null;
    }

    /// <summary>Identifies this run of the agent in every summary and event.</summary>
    public string BootId { get; } = Guid.NewGuid().ToString("n");

    public bool Enabled => _outbox is not null;

    /// <summary>The newest desired state from the cloud (older unread ones are superseded).</summary>
    public ChannelReader<DesiredState> Desired => _desired.Reader;

    /// <summary>The models last reported (with their rollout slots).</summary>
    public IReadOnlyList<ModelRef> Models => _models;

    /// <summary>The models the pipeline runs, announced in the birth message.</summary>
    public void SetModels(IEnumerable<ModelRef> models)
    {
        _models = models.ToList();
        _link?.AnnounceAgain();
    }

    /// <summary>A closed window's summary, with the implicit signals counted in it (null: none).</summary>
    public void PublishWindow(DriftWindow window, Dictionary<string, ImplicitSignals>? signals = null)
    {
        if (_outbox is null)
        {
            return;
        }

        SignalProfile profile = window.Profile;
        PredictionProfile p = profile.Predictions;
        string encoded = Convert.ToBase64String(window.EncodedProfile);
        _outbox.Enqueue(SummarySequence, Outbox.Telemetry, Topics.For(_deviceId, Topics.Summary), retain: false, seq => JsonSerializer.SerializeToUtf8Bytes(
            new SummaryPayload
            {
                BootId = BootId,
                Seq = seq,
                WindowStart = window.Start,
                WindowEnd = window.End,
                Profile = encoded,
                Verdict = window.Report?.Verdict,
                Detections = p.Keywords.Where(k => k.Value.Detections > 0).ToDictionary(k => k.Key, k => k.Value.Detections),
                Pipeline = new PipelineCounters(Math.Round(profile.DurationSeconds, 3), Math.Round(profile.SpeechSeconds, 3), profile.Frames, p.ChunkLatencyMs.Total),
                Latency = new LatencySummary(Q(p.VadLatencyMs, 0.5), Q(p.VadLatencyMs, 0.99), Q(p.ChunkLatencyMs, 0.5), Q(p.ChunkLatencyMs, 0.99)),
                OutboxDropped = _outbox.Dropped,
                Signals = signals,
            },
            ContractsJsonContext.Default.SummaryPayload));
    }

    public void PublishAlarm(AlarmChange change, string detail) =>
        PublishEvent(EventPayload.AlarmChanged, change.Family, change.To.ToString().ToLowerInvariant(), detail);

    public void PublishFault(string code, string detail) => PublishEvent(EventPayload.Fault, code, null, detail);

    /// <summary>A rollout step of this device, on <c>state/progress</c> (through the outbox: kept while offline, in order).</summary>
    public void PublishProgress(RolloutProgress progress) =>
        _outbox?.Enqueue(ProgressSequence, Outbox.Event, Topics.For(_deviceId, Topics.StateProgress), retain: false,
            seq => JsonSerializer.SerializeToUtf8Bytes(progress with { Seq = seq }, ContractsJsonContext.Default.RolloutProgress));

    /// <summary>What the device runs, on <c>state/reported</c> (retained), and in the next birth message.</summary>
    public void PublishReported(ReportedState state)
    {
        SetModels(state.Models);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(state, ContractsJsonContext.Default.ReportedState);
        _outbox?.Enqueue(ProgressSequence, Outbox.Event, Topics.For(_deviceId, Topics.StateReported), retain: true, _ => payload);
    }

    public override void Dispose()
    {
        base.Dispose();
        _outbox?.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_outbox is null)
        {
            Log.Off(_logger);
            return;
        }

        _link = new MqttLink(_options, _deviceId, _outbox, Birth, HandleCommandAsync, OnDesired, _time, _logger);
        await _link.RunAsync(stoppingToken);
    }

    private void PublishEvent(string kind, string name, string? state, string detail)
    {
        _outbox?.Enqueue(EventSequence, Outbox.Event, Topics.For(_deviceId, Topics.Events), retain: false, seq => JsonSerializer.SerializeToUtf8Bytes(
            new EventPayload { BootId = BootId, Seq = seq, At = _time.GetUtcNow(), Kind = kind, Name = name, State = state, Detail = detail },
            ContractsJsonContext.Default.EventPayload));
    }

    private void OnDesired(ReadOnlyMemory<byte> payload)
    {
        try
        {
            DesiredState state = JsonSerializer.Deserialize(payload.Span, ContractsJsonContext.Default.DesiredState) ?? throw new JsonException("empty desired state");
            if (Problem(state) is { } problem)
            {
                throw new JsonException(problem);
            }

            _desired.Writer.TryWrite(state);
        }
        catch (JsonException ex)
        {
            Log.BadDesired(_logger, ex.Message);
            PublishFault("bad-desired-state", ex.Message);
        }
    }

    /// <summary>Why a desired state from the cloud cannot be applied, or null.</summary>
    internal static string? Problem(DesiredState state)
    {
        if (state.SchemaVersion != Contract.SchemaVersion)
        {
            return $"unsupported desired state schemaVersion {state.SchemaVersion} (this agent reads {Contract.SchemaVersion})";
        }

        foreach (DesiredModel m in state.Models)
        {
            if (!ModelStore.IsValidSegment(m.Name) || !ModelStore.IsValidSegment(m.Version))
            {
                return $"desired model '{m.Name}@{m.Version}': a name and a version must each be one path segment (no '/', '\\', ':', no leading '.')";
            }

            if (!DesiredModel.Modes.Contains(m.Mode))
            {
                return $"desired model {m.Name}@{m.Version}: unknown mode '{m.Mode}' ({string.Join(", ", DesiredModel.Modes)})";
            }
        }

        return state.Models.GroupBy(m => m.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice
            ? $"desired model {twice.Key} appears {twice.Count()} times; a desired state names each model once"
            : null;
    }

    private StatusPayload Birth(long bdSeq) => new()
    {
        State = StatusPayload.Online,
        BdSeq = bdSeq,
        AgentVersion = typeof(FleetLink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        Models = _models,
        Labels = _labels,
    };

    private Task<CommandAck> HandleCommandAsync(string name, CommandPayload command, CancellationToken cancellationToken) => Task.FromResult(name switch
    {
        "ping" => new CommandAck { CmdId = command.CmdId, Status = CommandAck.Done, Detail = $"pong from {_deviceId} (boot {BootId})" },
        _ => new CommandAck { CmdId = command.CmdId, Status = CommandAck.Unknown, Detail = $"this agent has no command '{name}'" },
    });

    private static double Q(Histogram h, double q) => h.Total == 0 ? 0 : Math.Round(h.Quantile(q), 3);

    private static partial class Log
    {
        [LoggerMessage(4100, LogLevel.Information, "Fleet link off (no EdgeAgent:Mqtt:Host): nothing is reported to the cloud")]
        public static partial void Off(ILogger logger);

        [LoggerMessage(4101, LogLevel.Warning, "Ignored a desired state from the cloud: {Problem}")]
        public static partial void BadDesired(ILogger logger, string problem);
    }
}
