using System.Diagnostics;
using System.Text;

namespace EdgeAgent.TestSupport;

/// <summary>The real edge-agent process, started with command-line configuration, its console output collected.</summary>
public sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public AgentProcess(string dataDir, params IEnumerable<string> settings)
        : this(dataDir, settings, null)
    {
    }

    /// <param name="environment">Extra environment variables (e.g. EDGEAGENT_FAILPOINT).</param>
    public AgentProcess(string dataDir, IEnumerable<string> settings, IReadOnlyDictionary<string, string>? environment)
    {
        DataDir = dataDir;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edge-agent.dll"));
        info.ArgumentList.Add($"--EdgeAgent:DataDir={dataDir}");
        info.ArgumentList.Add($"--EdgeAgent:ModelsDir={TestPaths.Models.Root}");
        info.ArgumentList.Add("--EdgeAgent:DeviceId=test-device");
        foreach (string setting in settings)
        {
            info.ArgumentList.Add(setting);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("cannot start edge-agent");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string DataDir { get; }

    public int Id => _process.Id;

    public Stream StandardInput => _process.StandardInput.BaseStream;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    public int? WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return null;
        }

        _process.WaitForExit(); // drain the output
        return _process.ExitCode;
    }

    public void Signal(string signal) => ExternalTool.Check("kill", "-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
