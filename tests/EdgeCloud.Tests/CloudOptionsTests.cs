using EdgeAgent.TestSupport;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Tests;

public sealed class CloudOptionsTests
{
    private static readonly SectionValidator<CloudOptions> s_validator = new(CloudOptions.SectionName, new CloudOptionsValidator());

    [Fact]
    public void Defaults_Pass()
    {
        Assert.False(s_validator.Validate(null, new CloudOptions()).Failed);
    }

    [Fact]
    public void NestedBadValues_AreFoundAndNamedByTheirKeys()
    {
        var options = new CloudOptions { OfflineAfterSeconds = 0 };
        options.Rollouts.TickSeconds = 0;
        options.Mqtt.External.Port = 0;
        options.Ingest.Burst = 0;
        options.Fleet.WindowHours = 0;
        options.Registry.MaxModelBytes = 1;

        ValidateOptionsResult result = s_validator.Validate(null, options);

        string[] failures = Assert.IsAssignableFrom<IEnumerable<string>>(result.Failures).ToArray();
        Assert.Equal(6, failures.Length);
        Assert.Contains(failures, f => f.Contains("EdgeCloud:Rollouts:TickSeconds must be between 0.1 and 3600", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EdgeCloud:Mqtt:External:Port must be between 1 and 65535", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EdgeCloud:Ingest:Burst", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EdgeCloud:Fleet:WindowHours must be between 0.01 and 744", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EdgeCloud:Registry:MaxModelBytes", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("EdgeCloud:OfflineAfterSeconds", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Start_NestedBadValue_ExitsNonZeroWithOneLineNamingTheKey()
    {
        var failed = Assert.Throws<InvalidOperationException>(() => new CloudProcess(null, "--EdgeCloud:Rollouts:TickSeconds=0"));

        Assert.StartsWith("edge-cloud exited with 1:", failed.Message, StringComparison.Ordinal);
        string line = Assert.Single(failed.Message.Split('\n'), l => l.Contains("invalid configuration", StringComparison.Ordinal));
        Assert.Contains("EdgeCloud:Rollouts:TickSeconds must be between 0.1 and 3600", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Start_WithAMissingClipKeyFile_ExitsNonZeroWithOneLineNamingTheFile()
    {
        string missing = Path.Combine(TestPaths.NewTempDirectory(), "no-such-clip-key.pem");

        var failed = Assert.Throws<InvalidOperationException>(() => new CloudProcess(null, $"--EdgeCloud:Clips:KeyFile={missing}"));

        Assert.StartsWith("edge-cloud exited with 1:", failed.Message, StringComparison.Ordinal);
        Assert.Contains($"edge-cloud: EdgeCloud:Clips:KeyFile {missing} does not exist", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failed.Message, StringComparison.Ordinal);
    }
}
