using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;
using EdgeAgent.Updates.Running;
using EdgeAgent.Updates.Slots;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAgent.Updates.Tests.Runtime;

/// <summary>
/// One device for the reconciler tests (and the shape of one device of a simulation): a real store, slots and intents
/// on a temp directory, the real reconciler, a fake runtime and registry, and a fake clock. <see cref="Restart"/> is a
/// new process on the same disk; <see cref="CrashAt"/> kills it at a failpoint.
/// </summary>
public sealed class FakeDevice
{
    public const string Vad = "silero_vad";
    public const string Head = "hey_jarvis";

    public FakeDevice(string? root = null, FakeTimeProvider? time = null)
    {
        Root = root ?? TestPaths.NewTempDirectory();
        Store = new ModelStore(Root);
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        if (root is null)
        {
            FakeModelSource.Install(Store, Vad, "v5", ModelKind.Vad);
            FakeModelSource.Install(Store, Head, "0.1", ModelKind.Keyword);
        }

        Source = new FakeModelSource(Store);
        Source.Offered[$"{Vad}@v6"] = ModelKind.Vad;
        Source.Offered[$"{Head}@0.2"] = ModelKind.Keyword;
        Reconciler = new ModelReconciler(Store, Source, Runtime, Sink, Time, new ReconcilerOptions
        {
            WatchInterval = TimeSpan.FromSeconds(5), MaxProbationStarts = 2, DownloadAttempts = 1, Failpoint = step =>
            {
                if (step == CrashAt)
                {
                    throw new FailpointKill(step);
                }
            },
        }, NullLogger.Instance);
    }

    public string Root { get; }

    public ModelStore Store { get; }

    public FakeTimeProvider Time { get; }

    public FakeModelRuntime Runtime { get; } = new();

    public FakeModelSource Source { get; }

    public RecordingReportSink Sink { get; } = new();

    public ModelReconciler Reconciler { get; }

    public string? CrashAt { get; set; }

    public SlotsDocument Slots => ModelSlots.Read(Root);

    /// <summary>What the agent does at start: the reconciler's start tick, then the models load from the slots (else the oldest installed, as configured).</summary>
    public async Task<FakeDevice> StartAsync()
    {
        IReadOnlyDictionary<string, string> serving = await Reconciler.PrepareStartAsync(TestContext.Current.CancellationToken);
        Runtime.Start(new Dictionary<string, string>
        {
            [Vad] = serving.GetValueOrDefault(Vad) ?? "v5",
            [Head] = serving.GetValueOrDefault(Head) ?? "0.1",
        });
        return this;
    }

    public Task<ReconcileResult> TickAsync() => Reconciler.ReconcileOnceAsync(TestContext.Current.CancellationToken);

    /// <summary>Offers <paramref name="desired"/> and ticks until a tick plans nothing (at most 10); returns the commands run.</summary>
    public async Task<List<string>> SettleAsync(DesiredState? desired = null)
    {
        if (desired is not null)
        {
            Reconciler.Offer(desired);
        }

        var run = new List<string>();
        for (int tick = 0; tick < 10; tick++)
        {
            ReconcileResult result = await TickAsync();
            if (result.Plan.IsEmpty)
            {
                return run;
            }

            run.AddRange(result.Plan.Commands.Select(c => $"{c.Kind} {c.Name}"));
        }

        throw new InvalidOperationException("the reconciler did not settle in 10 ticks: " + string.Join("; ", run));
    }

    /// <summary>A new agent process on the same disk (the runtime, the reconciler's memory and the desired state are gone).</summary>
    public FakeDevice Restart() => new(Root, Time) { };

    public static DesiredState Desired(long version, params DesiredModel[] models) => new() { Version = version, Models = [.. models] };

    public static DesiredModel Want(string mode, string name = Vad, string version = "v6", string rollout = "ro-1", string? fallback = "v5") => new()
    {
        RolloutId = rollout, Name = name, Version = version, Mode = mode, Fallback = fallback, ProbationSeconds = 60, MinAgreement = 0.8, MinSamples = 10,
    };
}
