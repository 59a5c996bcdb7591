using EdgeAgent.Contracts;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Updates.Runtime;

namespace EdgeAgent.Service.Updates;

/// <summary>The reconciler's reports on the device: the fleet link's outbox (kept while offline, in order).</summary>
internal sealed class FleetReportSink(FleetLink fleet) : IReportSink
{
    public void Progress(RolloutProgress progress) => fleet.PublishProgress(progress);

    public void Reported(ReportedState state) => fleet.PublishReported(state);

    public void Fault(string code, string detail) => fleet.PublishFault(code, detail);
}
