using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EdgeCloud.Ingest;

namespace EdgeCloud.Mqtt;

/// <summary>
/// What devices connect to in front of the embedded broker (MQTTnet.Server has no packet size limit and buffers a
/// packet whole, whatever its fixed header declares, before authentication runs): it terminates TLS, reads the
/// CONNECT within <see cref="MqttOptions.ConnectTimeoutSeconds"/> and refuses one over
/// <see cref="MqttOptions.MaxConnectBytes"/> from its fixed header, keeps at most
/// <see cref="MqttOptions.MaxPendingConnections"/> connections unanswered, and then relays bytes to the broker on
/// loopback, closing a connection whose packet declares more than <see cref="MqttOptions.MaxPacketBytes"/>. Nothing is
/// buffered beyond one CONNECT and a 16 KiB relay buffer per direction. Each refusal is counted by reason in the
/// ingest statistics (<c>mqtt-…</c>).
/// </summary>
public sealed partial class MqttFront : IAsyncDisposable
{
    public const string TooManyPending = "mqtt-too-many-pending";
    public const string ConnectTimeout = "mqtt-connect-timeout";
    public const string NotConnect = "mqtt-not-connect";
    public const string ConnectTooLarge = "mqtt-connect-too-large";
    public const string PacketTooLarge = "mqtt-packet-too-large";
    public const string TlsFailed = "mqtt-tls";

    private const int RelayBuffer = 16 * 1024;
    private static readonly TimeSpan MinAcceptBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxAcceptBackoff = TimeSpan.FromSeconds(1);
    private readonly MqttOptions _options;
    private readonly IPEndPoint _broker;
    private readonly X509Certificate2? _certificate;
    private readonly IngestStats _stats;
    private readonly ILogger _logger;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _refusals = new(StringComparer.Ordinal);
    private int _pending;
    private Task _accepting = Task.CompletedTask;

    public MqttFront(MqttOptions options, IPEndPoint broker, X509Certificate2? certificate, IngestStats stats, ILogger logger)
    {
        _options = options;
        _broker = broker;
        _certificate = certificate;
        _stats = stats;
        _logger = logger;
        _listener = new TcpListener(IPAddress.Parse(options.BindAddress), options.Port);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted and not yet answered by the broker.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>The certificate in <paramref name="tls"/>, or null when TLS is off.</summary>
    /// <exception cref="InvalidOperationException">A file is missing or not a PEM certificate and key.</exception>
    public static X509Certificate2? LoadCertificate(MqttTlsOptions tls)
    {
        if (string.IsNullOrWhiteSpace(tls.CertificateFile))
        {
            return null;
        }

        try
        {
            using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile);
            // An ephemeral PEM key cannot serve TLS on every platform: go through PKCS#12 once.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"EdgeCloud:Mqtt:Tls: cannot load the certificate {tls.CertificateFile} (key {tls.KeyFile ?? "in the same file"}): {ex.Message}", ex);
        }
    }

    public void Start()
    {
        _listener.Start(1024);
        _accepting = AcceptAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        int failures = 0;
        TimeSpan backoff = MinAcceptBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(cancellationToken);
            }
            catch (SocketException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Out of file descriptors (EMFILE/ENFILE) and the like fail at once, again and again, until a connection
                // closes: back off instead of spinning, and log the first failure of a run and its end, not each one.
                if (failures++ == 0)
                {
                    Log.AcceptFailed(_logger, ex);
                }

                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxAcceptBackoff.Ticks));
                continue;
            }

            if (failures > 0)
            {
                Log.AcceptRecovered(_logger, failures);
                failures = 0;
                backoff = MinAcceptBackoff;
            }

            if (Interlocked.Increment(ref _pending) > _options.MaxPendingConnections)
            {
                Interlocked.Decrement(ref _pending);
                Refuse(TooManyPending, socket.RemoteEndPoint);
                socket.Dispose();
                continue;
            }

            _ = Task.Run(() => ServeAsync(socket, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        EndPoint? remote = socket.RemoteEndPoint;
        bool pending = true;
        Stream client = new NetworkStream(socket, ownsSocket: true);
        Stream? broker = null;
        try
        {
            socket.NoDelay = true;
            byte[]? connect;
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                handshake.CancelAfter(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds));
                try
                {
                    if (_certificate is not null)
                    {
                        var tls = new SslStream(client, leaveInnerStreamOpen: false);
                        client = tls;
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, handshake.Token);
                    }

                    connect = await ReadConnectAsync(client, remote, handshake.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Refuse(ConnectTimeout, remote);
                    return;
                }
                catch (AuthenticationException ex)
                {
                    Refuse(TlsFailed, remote, ex.Message);
                    return;
                }
            }

            if (connect is null)
            {
                return;
            }

            var brokerSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await brokerSocket.ConnectAsync(_broker, cancellationToken);
            }
            catch
            {
                brokerSocket.Dispose();
                throw;
            }

            broker = new NetworkStream(brokerSocket, ownsSocket: true);
            await broker.WriteAsync(connect, cancellationToken);

            // The broker's first bytes are its CONNACK: until then the connection counts as pending.
            var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task down = RelayDownAsync(broker, client, answered, cancellationToken);
            try
            {
                await answered.Task.WaitAsync(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds), cancellationToken);
            }
            catch (TimeoutException)
            {
                Refuse(ConnectTimeout, remote, "the broker did not answer");
                return;
            }

            Interlocked.Decrement(ref _pending);
            pending = false;
            Task up = RelayUpAsync(client, broker, remote, cancellationToken);
            await Task.WhenAny(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The device or the broker went away.
            Log.Closed(_logger, remote?.ToString() ?? "?", ex.Message);
        }
        catch (Exception ex)
        {
            Log.ServeFailed(_logger, ex, remote?.ToString() ?? "?");
        }
        finally
        {
            if (pending)
            {
                Interlocked.Decrement(ref _pending);
            }

            await client.DisposeAsync();
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }
        }
    }

    /// <summary>The first packet, whole, when it is a CONNECT within the limit; null (refused and counted) otherwise.</summary>
    private async Task<byte[]?> ReadConnectAsync(Stream client, EndPoint? remote, CancellationToken cancellationToken)
    {
        byte[] header = new byte[5];
        if (await client.ReadAtLeastAsync(header.AsMemory(0, 1), 1, throwOnEndOfStream: false, cancellationToken) == 0)
        {
            return null;
        }

        if (header[0] != 0x10)
        {
            Refuse(NotConnect, remote, $"first packet type {header[0] >> 4}");
            return null;
        }

        int length = 0, used = 1;
        while (true)
        {
            await client.ReadExactlyAsync(header.AsMemory(used, 1), cancellationToken);
            byte b = header[used];
            length |= (b & 0x7F) << (7 * (used - 1));
            used++;
            if ((b & 0x80) == 0)
            {
                break;
            }

            if (used == 5)
            {
                Refuse(NotConnect, remote, "malformed remaining length");
                return null;
            }
        }

        if (length > _options.MaxConnectBytes)
        {
            Refuse(ConnectTooLarge, remote, $"CONNECT declares {length} bytes");
            return null;
        }

        byte[] packet = new byte[used + length];
        header.AsSpan(0, used).CopyTo(packet);
        await client.ReadExactlyAsync(packet.AsMemory(used), cancellationToken);
        return packet;
    }

    private async Task RelayUpAsync(Stream client, Stream broker, EndPoint? remote, CancellationToken cancellationToken)
    {
        var limiter = new MqttPacketLimiter(_options.MaxPacketBytes);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(RelayBuffer);
        try
        {
            int n;
            while ((n = await client.ReadAsync(buffer.AsMemory(0, RelayBuffer), cancellationToken)) > 0)
            {
                if (!limiter.Check(buffer.AsSpan(0, n)))
                {
                    Refuse(PacketTooLarge, remote, $"a packet over {_options.MaxPacketBytes} bytes after {limiter.Packets} packets");
                    return;
                }

                await broker.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task RelayDownAsync(Stream broker, Stream client, TaskCompletionSource answered, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(RelayBuffer);
        try
        {
            int n;
            while ((n = await broker.ReadAsync(buffer.AsMemory(0, RelayBuffer), cancellationToken)) > 0)
            {
                await client.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                answered.TrySetResult();
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            answered.TrySetResult(); // a broker that closed without a word answers too: the connection ends
        }
    }

    private void Refuse(string reason, EndPoint? remote, string? detail = null)
    {
        _stats.Reject(reason);
        // A flood must not flood the log: the first few per reason, then every power of two.
        long n = _refusals.AddOrUpdate(reason, 1, (_, c) => c + 1);
        if (n <= 3 || long.IsPow2(n))
        {
            Log.Refused(_logger, remote?.ToString() ?? "?", reason, detail ?? "", n);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5110, LogLevel.Warning, "MQTT connection from {Remote} closed: {Reason} {Detail} ({Count} so far for this reason)")]
        public static partial void Refused(ILogger logger, string remote, string reason, string detail, long count);

        [LoggerMessage(5113, LogLevel.Debug, "MQTT connection of {Remote} ended: {Reason}")]
        public static partial void Closed(ILogger logger, string remote, string reason);

        [LoggerMessage(5112, LogLevel.Warning, "Relaying the MQTT connection of {Remote} failed")]
        public static partial void ServeFailed(ILogger logger, Exception exception, string remote);

        [LoggerMessage(5111, LogLevel.Warning, "Accepting an MQTT connection failed; retrying with backoff until one is accepted")]
        public static partial void AcceptFailed(ILogger logger, Exception exception);

        [LoggerMessage(5114, LogLevel.Information, "Accepting MQTT connections again after {Failures} failed attempts")]
        public static partial void AcceptRecovered(ILogger logger, int failures);
    }
}
