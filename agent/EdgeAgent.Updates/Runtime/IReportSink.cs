using EdgeAgent.Contracts;

namespace EdgeAgent.Updates.Runtime;

/// <summary>Where the reconciler's reports go: <c>state/progress</c>, <c>state/reported</c> and fault events (the fleet link, or a simulation's broker).</summary>
public interface IReportSink
{
    void Progress(RolloutProgress progress);

    void Reported(ReportedState state);

    void Fault(string code, string detail);
}
