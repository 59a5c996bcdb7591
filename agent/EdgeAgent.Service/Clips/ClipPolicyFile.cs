using System.Text.Json;
using EdgeAgent.Clips;
using EdgeAgent.Contracts;

namespace EdgeAgent.Service.Clips;

/// <summary>
/// The last clip policy the cloud gave, kept in <c>&lt;DataDir&gt;/clip-policy.json</c> so that an agent restarted
/// during a cloud outage captures as it was told until the cloud answers again (and no more: a policy that turned
/// capture off is kept too). Written to a temporary file and renamed.
/// </summary>
internal sealed class ClipPolicyFile(string dataDir)
{
    public const string FileName = "clip-policy.json";

    public string Path { get; } = System.IO.Path.Combine(dataDir, FileName);

    /// <summary>The kept policy, or null when there is none or it is unreadable (<paramref name="problem"/> says why).</summary>
    public ClipPolicy? Load(out string? problem)
    {
        problem = null;
        if (!File.Exists(Path))
        {
            return null;
        }

        try
        {
            ClipPolicy? policy = JsonSerializer.Deserialize(File.ReadAllBytes(Path), ContractsJsonContext.Default.ClipPolicy);
            problem = policy is null ? "empty" : ClipPolicyCheck.Problem(policy);
            return problem is null ? policy : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            problem = ex.Message;
            return null;
        }
    }

    public void Save(ClipPolicy policy)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        string temp = Path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, policy, ContractsJsonContext.Default.ClipPolicy);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, Path, overwrite: true);
    }
}
