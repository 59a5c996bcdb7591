namespace EdgeAgent.TestSupport;

/// <summary>
/// A real PostgreSQL server from Debian's package, started for the tests in a temporary cluster on a free loopback
/// port (trust authentication, fsync off) and stopped when disposed. As root it runs as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private static readonly Lazy<PostgresServer> s_shared = new(() => new PostgresServer());
    private readonly string _bin;
    private readonly string _dir;
    private int _databases;

    private PostgresServer()
    {
        _bin = Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture)).Select(d => Path.Combine(d, "bin")).LastOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql; tools/install-deps.sh --servers)");
        _dir = Path.Combine(Path.GetTempPath(), "edgeagent-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        if (IsRoot)
        {
            ExternalTool.Check("chown", "postgres:postgres", _dir);
        }

        Port = CloudProcess.FreePort();
        AsPostgres(Path.Combine(_bin, "initdb"), "-D", Path.Combine(_dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8");
        AsPostgres(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_dir, "data"), "-l", Path.Combine(_dir, "log"), "-w", "-t", "60", "start",
            "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    /// <summary>One server per test process, started on first use.</summary>
    public static PostgresServer Shared => s_shared.Value;

    public int Port { get; }

    /// <summary>A new, empty database; its connection string.</summary>
    public string CreateDatabase()
    {
        string name = $"edge_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        AsPostgres(Path.Combine(_bin, "psql"), "-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-c", $"create database {name}");
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name};Pooling=true;Maximum Pool Size=50";
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            ExternalTool.Run(IsRoot ? "runuser" : Path.Combine(_bin, "pg_ctl"),
                IsRoot ? ["-u", "postgres", "--", Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_dir, "data"), "-m", "immediate", "stop"] : ["-D", Path.Combine(_dir, "data"), "-m", "immediate", "stop"]);
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static void AsPostgres(string program, params string[] args)
    {
        if (IsRoot)
        {
            ExternalTool.Check("runuser", ["-u", "postgres", "--", program, .. args]);
        }
        else
        {
            ExternalTool.Check(program, args);
        }
    }
}
