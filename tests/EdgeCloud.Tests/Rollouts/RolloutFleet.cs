using System.Net.Http.Json;
using System.Text.Json;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;
using EdgeCloud.Tests.Fleet;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>
/// A real edge-cloud and real edge-agents for rollout tests: each agent has its own model store (VAD v5 and the
/// openWakeWord models copied from the test store; anything newer must come from the registry) and listens to a loop of
/// synthetic speech with "hey jarvis" in it, in real time.
/// </summary>
internal sealed class RolloutFleet : IDisposable
{
    private readonly Dictionary<string, string> _passwords = [];
    private readonly List<AgentProcess> _agents = [];
    private readonly string _keyFile = Path.Combine(TestPaths.NewTempDirectory(), "registry.pem");
    private readonly MosquittoBroker? _broker;

    public RolloutFleet()
        : this(new CloudProcess(null, "--EdgeCloud:Rollouts:TickSeconds=0.5"), null)
    {
    }

    /// <summary>Agents served by <paramref name="cloud"/> (which the fleet disposes), connected to <paramref name="broker"/> when given (it gets their credentials), else to the cloud's embedded broker.</summary>
    public RolloutFleet(CloudProcess cloud, MosquittoBroker? broker)
    {
        Cloud = cloud;
        _broker = broker;
    }

    public CloudProcess Cloud { get; }

    public Dictionary<string, string> Stores { get; } = [];

    public static ModelStore TestModels => TestPaths.Models;

    /// <summary>"hey jarvis" and neutral sentences from four voices, a second of silence between: about 25 s.</summary>
    public static string SpeechLoop => SpeechCorpus.Make("rollout-loop.wav", path =>
    {
        var parts = new List<string>();
        string silence = SpeechCorpus.Make("silence-1s-22k.wav", p => SpeechCorpus.Sox("-n", "-r", "22050", "-c", "1", "-b", "16", p, "trim", "0", "1")); // espeak-ng's rate
        foreach (string voice in SpeechCorpus.Voices)
        {
            SpeechClip keyword = SpeechCorpus.KeywordClips.First(c => c.Keyword == "hey_jarvis" && c.Voice == voice && !c.Noisy);
            SpeechClip neutral = SpeechCorpus.NeutralClips.First(c => c.Voice == voice && !c.Noisy);
            parts.AddRange([keyword.Path, silence, neutral.Path, silence]);
        }

        SpeechCorpus.Sox([.. parts, path]);
    });

    public async Task RegisterAsync(string deviceId, string site)
    {
        _passwords[deviceId] = await Cloud.RegisterAsync(deviceId, new { deviceModel = "k1", micModel = "mic-a", site });
        _broker?.AddUser(deviceId, _passwords[deviceId]); // an external broker holds the credentials the registry handed out
        string store = TestPaths.NewTempDirectory();
        foreach ((string name, string? version) in new (string, string?)[] { ("silero_vad", "v5"), ("melspectrogram", null), ("embedding", null), ("hey_jarvis", null) })
        {
            InstalledModel m = TestModels.Find(name, version);
            string dir = Path.Combine(store, name, m.Version);
            Directory.CreateDirectory(dir);
            File.Copy(m.ModelPath, Path.Combine(dir, ModelManifest.ModelFileName));
            File.Copy(Path.Combine(Path.GetDirectoryName(m.ModelPath)!, ModelManifest.FileName), Path.Combine(dir, ModelManifest.FileName));
        }

        Stores[deviceId] = store;
    }

    public async Task<AgentProcess> StartAsync(string deviceId, IReadOnlyDictionary<string, string>? environment = null, string? dataDir = null)
    {
        if (!File.Exists(_keyFile))
        {
            await File.WriteAllTextAsync(_keyFile, await Cloud.Api.GetStringAsync("/api/models/signing-key"));
        }

        var agent = new AgentProcess(dataDir ?? TestPaths.NewTempDirectory(),
        [
            $"--EdgeAgent:DeviceId={deviceId}",
            $"--EdgeAgent:ModelsDir={Stores[deviceId]}",
            $"--EdgeAgent:Source=wav:{SpeechLoop}?loop=true&realtime=true",
            "--EdgeAgent:Speech:Keywords:0=hey_jarvis",
            "--EdgeAgent:Telemetry:WindowSeconds=5",
            "--EdgeAgent:Mqtt:Host=127.0.0.1",
            $"--EdgeAgent:Mqtt:Port={_broker?.Port ?? Cloud.MqttPort}",
            $"--EdgeAgent:Mqtt:Username={deviceId}",
            $"--EdgeAgent:Mqtt:Password={_passwords[deviceId]}",
            "--EdgeAgent:Mqtt:ReconnectMinSeconds=0.2",
            "--EdgeAgent:Mqtt:ReconnectMaxSeconds=1",
            $"--EdgeAgent:Updates:RegistryUrl=http://127.0.0.1:{Cloud.HttpPort}",
            $"--EdgeAgent:Updates:RegistryKeyFile={_keyFile}",
            "--EdgeAgent:Updates:ReportSeconds=1",
        ], environment);
        _agents.Add(agent);
        return agent;
    }

    /// <summary>Uploads <paramref name="file"/> as <paramref name="name"/>@<paramref name="version"/> with the signature of <paramref name="like"/>.</summary>
    public async Task UploadAsync(string name, string version, InstalledModel like, string? file = null)
    {
        HttpResponseMessage response = await TryUploadAsync(name, version, like, file);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Like <see cref="UploadAsync"/>, returning the registry's answer.</summary>
    public Task<HttpResponseMessage> TryUploadAsync(string name, string version, InstalledModel like, string? file = null) =>
        Cloud.Api.UploadModelAsync(name, version, like, file);

    public async Task<string> CreateRolloutAsync(object body)
    {
        HttpResponseMessage response = await Cloud.Api.PostAsJsonAsync("/api/rollouts", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    public Task<JsonElement> RolloutAsync(string id) => Cloud.Api.GetJsonAsync($"/api/rollouts/{id}");

    /// <summary>Waits for the rollout to reach <paramref name="state"/>; fails with its last view and the logs otherwise.</summary>
    public async Task<JsonElement> WaitForStateAsync(string id, string state, TimeSpan timeout)
    {
        JsonElement last = default;
        bool reached = await FleetApiClient.EventuallyAsync(async () => (last = await RolloutAsync(id)).GetProperty("state").GetString() == state, timeout);
        Assert.True(reached, $"rollout never became {state}: {last}\n{Logs}");
        return last;
    }

    public async Task<string?> ActiveVersionAsync(string deviceId, string model)
    {
        JsonElement device = await Cloud.Api.GetJsonAsync($"/api/devices/{deviceId}");
        return device.GetProperty("models").EnumerateArray()
            .FirstOrDefault(m => m.GetProperty("name").GetString() == model && m.GetProperty("slot").GetString() == "active") is { ValueKind: JsonValueKind.Object } m
            ? m.GetProperty("version").GetString()
            : null;
    }

    public async Task<bool> EventuallyActiveAsync(string deviceId, string model, string version, TimeSpan timeout) =>
        await FleetApiClient.EventuallyAsync(async () => await ActiveVersionAsync(deviceId, model) == version, timeout);

    /// <summary>The cloud's and every agent's output, for a failing test's report.</summary>
    public string Logs => $"--- cloud ---\n{Cloud.Output}\n--- agents ---\n{string.Join("\n---\n", _agents.Select(a => a.Output))}";

    public void Dispose()
    {
        foreach (AgentProcess agent in _agents)
        {
            agent.Dispose();
        }

        Cloud.Dispose();
    }
}
