using System.ComponentModel.DataAnnotations;
using EdgeAgent.Core.Models;
using EdgeAgent.Core.Runtime;

namespace EdgeAgent.Service;

/// <summary>The agent's own settings (configuration section <c>EdgeAgent</c>).</summary>
public sealed class AgentOptions
{
    public const string SectionName = "EdgeAgent";

    /// <summary>This device's id in the fleet; defaults to the host name.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", ErrorMessage = "EdgeAgent:DeviceId may hold letters, digits, '.', '_' and '-' (at most 64).")]
    public string DeviceId { get; set; } = Environment.MachineName;

    /// <summary>Where the agent keeps its state and logs.</summary>
    [Required]
    public string DataDir { get; set; } = DataDirectory.Default();

    /// <summary>The model store shared with edgectl.</summary>
    [Required]
    public string ModelsDir { get; set; } = ModelStore.DefaultRoot();

    /// <summary><c>alsa:&lt;device&gt;</c> | <c>wav:&lt;path&gt;[?loop=true&amp;realtime=true]</c> | <c>stdin:&lt;rate&gt;:&lt;channels&gt;</c>.</summary>
    [Required]
    public string Source { get; set; } = "alsa:default";

    /// <summary>How often a health line is logged.</summary>
    [Range(1, 86_400)]
    public int HealthIntervalSeconds { get; set; } = 60;
}
