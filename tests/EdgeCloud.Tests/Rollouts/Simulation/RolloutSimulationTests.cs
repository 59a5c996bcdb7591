using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// The rollout simulation over many seeds (issue 10): the real engine and real reconcilers on a fake clock over an
/// in-memory broker with delays, duplicates, lost deliveries, broker restarts, killed agents and cloud instances,
/// operators and technicians acting at random. Seeds run side by side (each one alone on its own clock, so it replays
/// exactly). A failing seed is named; <c>EDGE_SIM_SEED=N</c> replays it alone (with its story in the output), and
/// <c>EDGE_SIM_SEEDS=N</c> runs more seeds (the suite runs 1,000); <c>EDGE_SIM_LOG=file</c> writes every seed's story.
/// </summary>
public sealed class RolloutSimulationTests(ITestOutputHelper output)
{
    private const int DefaultSeeds = 1000;
    private static string s_lastReports = "";

    [Fact]
    public async Task EveryRolloutEnds_AndLeavesEveryDeviceWhereItSays_OverManySeeds()
    {
        List<int> seeds = Environment.GetEnvironmentVariable("EDGE_SIM_SEED") is { Length: > 0 } one
            ? [int.Parse(one, CultureInfo.InvariantCulture)]
            : Enumerable.Range(1, Environment.GetEnvironmentVariable("EDGE_SIM_SEEDS") is { Length: > 0 } n ? int.Parse(n, CultureInfo.InvariantCulture) : DefaultSeeds).ToList();
        string? log = Environment.GetEnvironmentVariable("EDGE_SIM_LOG");
        var failures = new ConcurrentDictionary<int, string>();
        var outcomes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var stories = new ConcurrentDictionary<int, string>();
        long events = 0;
        using var enough = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var watch = Stopwatch.StartNew();
        try
        {
            await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = enough.Token }, async (seed, _) =>
            {
                await using var sim = new RolloutSimulation(seed);
                string? failure = await sim.RunAsync();
                Interlocked.Add(ref events, sim.Events);
                outcomes.AddOrUpdate(sim.Outcome, 1, (_, c) => c + 1);
                stories[seed] = $"seed {seed}: {sim.Scenario}; {sim.Events} events; {sim.Summary}";
                s_lastReports = sim.Reports;
                if (failure is not null && failures.TryAdd(seed, $"seed {seed} ({sim.Scenario}): {failure}") && failures.Count >= 5)
                {
                    await enough.CancelAsync();
                }
            });
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            // five failing seeds are enough to look at
        }

        if (seeds.Count == 1)
        {
            output.WriteLine(stories.Values.Single());
            if (log is { Length: > 0 })
            {
                File.WriteAllText(log + ".reports", s_lastReports);
            }
        }

        if (log is { Length: > 0 })
        {
            File.WriteAllLines(log, stories.OrderBy(s => s.Key).Select(s => s.Value));
        }

        output.WriteLine($"{stories.Count} seeds, {events} events in {watch.Elapsed.TotalSeconds:F1} s; outcomes: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        Assert.True(failures.IsEmpty, $"{failures.Count} failing seed(s) (replay one with EDGE_SIM_SEED=<seed>):{Environment.NewLine}{string.Join(Environment.NewLine, failures.OrderBy(f => f.Key).Select(f => f.Value))}");
    }
}
