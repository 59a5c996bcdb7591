using System.Diagnostics;

namespace EdgeAgent.TestSupport;

/// <summary>Runs a real program (espeak-ng, sox, edgectl) and captures what it prints.</summary>
public static class ExternalTool
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(string fileName, IEnumerable<string> args, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and insists on exit code 0.</summary>
    public static string Check(string fileName, params string[] args)
    {
        Result r = Run(fileName, args);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', args)} failed ({r.ExitCode}): {r.StdErr}");
        }

        return r.StdOut;
    }
}
