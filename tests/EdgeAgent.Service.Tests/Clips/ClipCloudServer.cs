using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Service.Tests.Clips;

/// <summary>
/// A real HTTP server on a loopback port standing in for the cloud's two device clip endpoints
/// (<c>GET /api/device/clips/policy</c>, <c>POST /api/device/clips</c>): it checks the device's Basic credentials, opens
/// every upload with its own clip key and answers as the contract says (201 stored, 200 already stored, 400 when it does
/// not open or names another device), unless a test scripted the next answers (e.g. 500 or 429).
/// </summary>
internal sealed class ClipCloudServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<int> _scripted = new();
    private readonly ConcurrentDictionary<string, (ClipMetadata Metadata, byte[] Pcm)> _stored = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Task _serving;

    public ClipCloudServer(string deviceId, string password)
    {
        DeviceId = deviceId;
        Credentials = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{deviceId}:{password}"));
        Port = CloudProcess.FreePort();
        Url = $"http://127.0.0.1:{Port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        Policy = new ClipPolicy
        {
            Version = 1, Enabled = true, MaxClipsPerHour = 60, PublicKey = Convert.ToBase64String(Key.ExportSubjectPublicKeyInfo()),
            Triggers = new ClipTriggers { Detections = true },
        };
        _serving = Task.Run(ServeAsync);
    }

    public string DeviceId { get; }

    public string Credentials { get; }

    public int Port { get; }

    public string Url { get; }

    public ECDiffieHellman Key { get; } = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    public ClipPolicy Policy { get; set; }

    /// <summary>Answer of the policy endpoint instead of the policy (e.g. 503), while set.</summary>
    public int? PolicyStatus { get; set; }

    /// <summary>The clips stored, by id.</summary>
    public IReadOnlyDictionary<string, (ClipMetadata Metadata, byte[] Pcm)> Stored => _stored;

    /// <summary>Every request as "METHOD path status".</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public int Uploads => Requests.Count(r => r.StartsWith("POST", StringComparison.Ordinal));

    /// <summary>The next uploads get these answers (the clip is not stored).</summary>
    public void Script(params int[] statuses)
    {
        foreach (int status in statuses)
        {
            _scripted.Enqueue(status);
        }
    }

    /// <summary>Back to answering as the contract says.</summary>
    public void ClearScript() => _scripted.Clear();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under a pending accept.
        }

        Key.Dispose();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                (int status, string body) = Handle(context.Request);
                _requests.Enqueue($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath} {status}");
                byte[] bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The client went away.
            }
        }
    }

    private (int Status, string Body) Handle(HttpListenerRequest request)
    {
        if (request.Headers["Authorization"] != Credentials)
        {
            return (401, """{"error":"device credentials required"}""");
        }

        string path = request.Url!.AbsolutePath;
        if (request.HttpMethod == "GET" && path == "/api/device/clips/policy")
        {
            return PolicyStatus is { } s ? (s, """{"error":"policy unavailable"}""") : (200, JsonSerializer.Serialize(Policy, ContractsJsonContext.Default.ClipPolicy));
        }

        if (request.HttpMethod != "POST" || path != "/api/device/clips")
        {
            return (404, """{"error":"no such endpoint"}""");
        }

        using var body = new MemoryStream();
        request.InputStream.CopyTo(body);
        if (_scripted.TryDequeue(out int scripted))
        {
            return (scripted, $$"""{"error":"scripted {{scripted}}"}""");
        }

        if (request.ContentType != "application/octet-stream")
        {
            return (400, """{"error":"body must be application/octet-stream"}""");
        }

        try
        {
            (ClipMetadata metadata, byte[] pcm) = ClipEnvelope.Open(body.ToArray(), Key);
            if (metadata.DeviceId != DeviceId)
            {
                return (400, $$"""{"error":"metadata deviceId {{metadata.DeviceId}} is not the authenticated device"}""");
            }

            bool added = _stored.TryAdd(metadata.ClipId, (metadata, pcm));
            return (added ? 201 : 200, $$"""{"id":"{{metadata.ClipId}}"}""");
        }
        catch (ClipFormatException ex)
        {
            return (400, $$"""{"error":"{{JsonEncodedText.Encode(ex.Message)}}"}""");
        }
    }
}
