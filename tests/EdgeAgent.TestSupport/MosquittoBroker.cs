using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace EdgeAgent.TestSupport;

/// <summary>
/// A real Mosquitto broker from Debian's package on a free loopback port: password authentication and an ACL that
/// lets each device publish only under <c>edge/v1/{its user}/</c> and read only its own commands, and lets the cloud's
/// user read and write the whole tree (shared subscriptions included).
/// </summary>
public sealed class MosquittoBroker : IDisposable
{
    public const string CloudUser = "edge-cloud";
    public const string CloudPassword = "cloud-secret-42";
    private readonly string _dir = TestPaths.NewTempDirectory();
    private readonly Process _process;

    public MosquittoBroker()
    {
        Port = CloudProcess.FreePort();
        File.WriteAllText(Path.Combine(_dir, "passwd"), "");
        File.WriteAllText(Path.Combine(_dir, "acl"), $"""
            user {CloudUser}
            topic readwrite edge/v1/#

            pattern write edge/v1/%u/status
            pattern write edge/v1/%u/telemetry/summary
            pattern write edge/v1/%u/events
            pattern write edge/v1/%u/state/reported
            pattern write edge/v1/%u/state/progress
            pattern write edge/v1/%u/cmd/+/ack
            pattern read edge/v1/%u/cmd/+
            pattern read edge/v1/%u/state/desired

            """);
        File.WriteAllText(Path.Combine(_dir, "mosquitto.conf"), $"""
            listener {Port} 127.0.0.1
            allow_anonymous false
            password_file {Path.Combine(_dir, "passwd")}
            acl_file {Path.Combine(_dir, "acl")}
            persistence false
            max_queued_messages 100000
            user root
            log_dest stderr

            """);
        AddUser(CloudUser, CloudPassword);
        var info = new ProcessStartInfo("mosquitto") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Path.Combine(_dir, "mosquitto.conf"));
        _process = Process.Start(info) ?? throw new InvalidOperationException("cannot start mosquitto (apt-get install mosquitto; tools/install-deps.sh --servers)");
        _process.ErrorDataReceived += (_, _) => { };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        WaitForPort();
    }

    public int Port { get; }

    /// <summary>Adds (or replaces) a user and makes the running broker reload its password file.</summary>
    public void AddUser(string user, string password)
    {
        ExternalTool.Check("mosquitto_passwd", "-b", Path.Combine(_dir, "passwd"), user, password);
        if (_process is { HasExited: false })
        {
            ExternalTool.Check("kill", "-HUP", _process.Id.ToString(CultureInfo.InvariantCulture));
            Thread.Sleep(300);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void WaitForPort()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var client = new TcpClient("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"mosquitto did not listen on {Port}");
    }
}
