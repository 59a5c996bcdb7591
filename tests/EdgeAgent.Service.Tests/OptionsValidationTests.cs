using EdgeAgent.Service.Drift;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Defaults_PassEverySection()
    {
        Assert.Null(Validate());
    }

    [Theory]
    [InlineData("EdgeAgent:Drift:Alarms:RaiseAfter", "0")]
    [InlineData("EdgeAgent:Drift:Tests:MinSegments", "0")]
    [InlineData("EdgeAgent:Drift:Monitor:EvaluationWindows", "0")]
    [InlineData("EdgeAgent:Drift:Recorder:QueueLimit", "0")]
    [InlineData("EdgeAgent:Speech:Vad:OnsetThreshold", "2")]
    [InlineData("EdgeAgent:Speech:Trigger:RefractoryMs", "-1")]
    [InlineData("EdgeAgent:Speech:Onnx:IntraOpThreads", "0")]
    [InlineData("EdgeAgent:Speech:HangoverMs", "-1")]
    [InlineData("EdgeAgent:Mqtt:Port", "0")]
    [InlineData("EdgeAgent:Telemetry:WindowSeconds", "0")]
    [InlineData("EdgeAgent:Updates:ReportSeconds", "0")]
    [InlineData("EdgeAgent:HealthIntervalSeconds", "0")]
    [InlineData("EdgeAgent:Clips:PolicyRefreshSeconds", "1")]
    [InlineData("EdgeAgent:Clips:NearMissLow", "1")]
    [InlineData("EdgeAgent:Clips:DriftAlarmClipsPerHour", "-1")]
    public void NestedBadValue_FailsStartNamingTheKey(string key, string value)
    {
        IReadOnlyList<string>? failures = Validate($"--{key}={value}");

        Assert.NotNull(failures);
        Assert.All(failures, f => Assert.StartsWith("The field EdgeAgent:", f, StringComparison.Ordinal));
        Assert.All(failures, f => Assert.Contains("must be between", f, StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains($"The field {key} must be between", StringComparison.Ordinal));

        // The telemetry window is the drift window too: both sections say so, nothing else fails.
        Assert.Equal(key == "EdgeAgent:Telemetry:WindowSeconds" ? 2 : 1, failures.Count);
    }

    [Theory]
    [InlineData("--EdgeAgent:Clips:RingSeconds=3", "EdgeAgent:Clips:RingSeconds must hold PreRollSeconds + PostRollSeconds and MaxSegmentSeconds")]
    [InlineData("--EdgeAgent:Clips:MaxBackoffSeconds=1", "EdgeAgent:Clips:MaxBackoffSeconds must be at least EdgeAgent:Clips:BackoffSeconds")]
    [InlineData("--EdgeAgent:Updates:CaFile=/nonexistent/ca.pem", "EdgeAgent:Updates:CaFile does not exist")]
    public void Clips_InconsistentValues_FailStartNamingTheKeys(string arg, string failure)
    {
        IReadOnlyList<string>? failures = Validate(arg);

        Assert.NotNull(failures);
        Assert.Contains(failure, Assert.Single(failures), StringComparison.Ordinal);
    }

    [Fact]
    public void SectionValidator_WritesMemberPathsAsKeysAndLeavesNumbersAlone()
    {
        var options = new DriftWatchOptions();
        options.Recorder.BackoffSeconds = 0;
        options.Monitor.ThresholdSigmas = 11;

        ValidateOptionsResult result = new SectionValidator<DriftWatchOptions>(DriftWatchOptions.SectionName, new AgentOptionsValidator()).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("EdgeAgent:Drift:Recorder:BackoffSeconds must be between 0.001 and 3600", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("EdgeAgent:Drift:Monitor:ThresholdSigmas must be between 0 and 10", StringComparison.Ordinal));
    }

    [Fact]
    public void SpeechValidator_ChecksTheHysteresisOnceTheRangesHold()
    {
        var options = new SpeechPipelineOptions();
        options.Vad.OnsetThreshold = 0.3f;
        options.Vad.OffsetThreshold = 0.4f;

        ValidateOptionsResult result = new SpeechPipelineOptionsValidator().Validate(null, options);

        Assert.Contains("EdgeAgent:Speech:Vad:OffsetThreshold (0.4) must not exceed OnsetThreshold (0.3)", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Agent_NestedBadValue_ExitsNonZeroWithOneLineNamingTheKey()
    {
        using var agent = new AgentProcess(TestPaths.NewTempDirectory(), ["--EdgeAgent:Source=stdin:16000:1", "--EdgeAgent:Drift:Alarms:RaiseAfter=0"]);
        int? exit = agent.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.NotNull(exit);
        Assert.NotEqual(0, exit);
        string line = Assert.Single(agent.Output.Split('\n'), l => l.Contains("invalid configuration", StringComparison.Ordinal));
        Assert.Contains("EdgeAgent:Drift:Alarms:RaiseAfter must be between 1 and 1000", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", agent.Output, StringComparison.Ordinal);
    }

    /// <summary>The agent's real registrations, validated as at start; null when every section passes.</summary>
    private static IReadOnlyList<string>? Validate(params string[] args)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = ["--EdgeAgent:Source=stdin:16000:1", $"--EdgeAgent:DataDir={Path.GetTempPath()}", .. args],
            DisableDefaults = true,
        });
        builder.Services.AddEdgeAgent();
        using IHost host = builder.Build();
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (Exception ex) when (ConfigurationKeys.Failures(ex) is { } failures)
        {
            return failures;
        }
    }
}
