using EdgeAgent.Core.Models;

namespace EdgeAgent.TestSupport;

public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Generated test audio, kept between runs (git-ignored).</summary>
    public static string Cache { get; } = Directory.CreateDirectory(Path.Combine(RepoRoot, "tests", ".cache")).FullName;

    /// <summary>The model store the tests use: the same default as the agent, filled by tools/fetch-models.sh.</summary>
    public static ModelStore Models { get; } = new(ModelStore.DefaultRoot());

    public static string NewTempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgeagent-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeAgent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EdgeAgent.sln not found above the test binaries");
    }
}
