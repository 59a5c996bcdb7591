using EdgeAgent.Contracts;
using EdgeAgent.Service.Fleet;

namespace EdgeAgent.Service.Tests.Fleet;

/// <summary>A desired state from the cloud is applied only when every model in it can be: otherwise it is refused whole, saying why.</summary>
public sealed class DesiredStateTests
{
    [Fact]
    public void A_WellFormedState_HasNoProblem()
    {
        Assert.Null(FleetLink.Problem(State(Model("silero_vad", "v6", DesiredModel.Shadow), Model("hey_jarvis", "0.2", DesiredModel.Active))));
    }

    [Theory]
    [InlineData("../../etc", "v6", "active", "'../../etc@v6': a name and a version must each be one path segment")]
    [InlineData("silero_vad", "v6/../../x", "active", "'silero_vad@v6/../../x': a name and a version must each be one path segment")]
    [InlineData("silero_vad", ".hidden", "active", "one path segment")]
    [InlineData("silero_vad", "", "active", "one path segment")]
    [InlineData("silero_vad", "v6", "yolo", "unknown mode 'yolo'")]
    public void A_StateNamingABadModelOrMode_IsRefusedWithTheReason(string name, string version, string mode, string expected)
    {
        Assert.Contains(expected, FleetLink.Problem(State(Model(name, version, mode))));
    }

    [Fact]
    public void A_ModelNamedTwice_OrAnotherSchema_IsRefused()
    {
        Assert.Contains("silero_vad appears 2 times", FleetLink.Problem(State(Model("silero_vad", "v6", DesiredModel.Active), Model("silero_vad", "v5", DesiredModel.Active))));
        Assert.Contains("schemaVersion 9", FleetLink.Problem(State(Model("silero_vad", "v6", DesiredModel.Active)) with { SchemaVersion = 9 }));
    }

    private static DesiredState State(params DesiredModel[] models) => new() { Version = 1, Models = [.. models] };

    private static DesiredModel Model(string name, string version, string mode) => new() { RolloutId = "ro-1", Name = name, Version = version, Mode = mode };
}
