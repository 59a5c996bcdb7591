using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;

namespace EdgeAgent.TestSupport;

/// <summary>
/// The real edge-cloud process on free loopback ports (HTTP and MQTT), with its own data directory and admin key;
/// <see cref="Api"/> is an HTTP client that sends the key.
/// </summary>
public sealed class CloudProcess : IDisposable
{
    public const string AdminKey = "test-admin-key-0123456789";
    private readonly StringBuilder _output = new();
    private readonly string[] _settings;
    private Process _process;
    private bool _running = true;

    /// <param name="settings">More command-line configuration (e.g. an external broker, PostgreSQL).</param>
    public CloudProcess(string? dataDir = null, params IEnumerable<string> settings)
    {
        _settings = settings.ToArray();
        DataDir = dataDir ?? TestPaths.NewTempDirectory();
        MqttPort = FreePort();
        HttpPort = FreePort();
        Api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}") };
        Api.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        _process = Start();
    }

    public string DataDir { get; }

    public int MqttPort { get; }

    public int HttpPort { get; }

    public HttpClient Api { get; }

    /// <summary>The process's resident set size now, in bytes (Linux /proc).</summary>
    public long ResidentBytes => ResidentMemory.Bytes(_process.Id);

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

    /// <summary>Registers a device and returns its MQTT password.</summary>
    public async Task<string> RegisterAsync(string deviceId, object labels)
    {
        HttpResponseMessage response = await Api.PostAsJsonAsync("/api/devices", new { deviceId, labels });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return created.GetProperty("mqttPassword").GetString()!;
    }

    /// <summary>Kills the process (as a crash or an outage would).</summary>
    public void Kill()
    {
        if (_running && !_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>Starts the process again on the same ports and data.</summary>
    public void Restart()
    {
        Kill();
        _process.Dispose();
        _running = false; // a start that fails leaves nothing to kill (and its error is not hidden by Dispose)
        _process = Start();
        _running = true;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        Api.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Process Start()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edge-cloud.dll"));
        info.ArgumentList.Add($"--urls=http://127.0.0.1:{HttpPort}");
        info.ArgumentList.Add($"--EdgeCloud:DataDir={DataDir}");
        info.ArgumentList.Add($"--EdgeCloud:AdminApiKey={AdminKey}");
        info.ArgumentList.Add($"--EdgeCloud:Mqtt:Port={MqttPort}");
        info.ArgumentList.Add("--EdgeCloud:Mqtt:BindAddress=127.0.0.1");
        foreach (string setting in _settings)
        {
            info.ArgumentList.Add(setting);
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("cannot start edge-cloud");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                process.WaitForExit(); // the whole output, then the message
                throw new InvalidOperationException($"edge-cloud exited with {process.ExitCode}:\n{Output}");
            }

            try
            {
                using var probe = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromSeconds(1) };
                if (probe.GetAsync("/health").GetAwaiter().GetResult().IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
                // not up yet
            }
            catch (TaskCanceledException)
            {
                // not up yet
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"edge-cloud did not come up in 30 s:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
