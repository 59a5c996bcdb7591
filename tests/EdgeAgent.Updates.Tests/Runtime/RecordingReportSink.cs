using EdgeAgent.Contracts;
using EdgeAgent.Updates.Runtime;

namespace EdgeAgent.Updates.Tests.Runtime;

/// <summary>Keeps every report, in order.</summary>
public sealed class RecordingReportSink : IReportSink
{
    public List<RolloutProgress> Progress { get; } = [];

    public List<ReportedState> Reported { get; } = [];

    public List<(string Code, string Detail)> Faults { get; } = [];

    public IEnumerable<string> Phases => Progress.Select(p => p.Phase);

    void IReportSink.Progress(RolloutProgress progress) => Progress.Add(progress);

    void IReportSink.Reported(ReportedState state) => Reported.Add(state);

    void IReportSink.Fault(string code, string detail) => Faults.Add((code, detail));
}
