using System.Security.Cryptography;
using EdgeAgent.Contracts;
using EdgeAgent.TestSupport;
using EdgeCloud.Clips;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCloud.Tests.Clips;

/// <summary>The upload rules on a real LiteDB store and clip key, on a fake clock.</summary>
public sealed class ClipIntakeTests : IDisposable
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(s_t0);
    private readonly CloudOptions _options;
    private readonly LiteDbCloudStore _store;
    private readonly ClipKey _key;
    private readonly ClipPolicies _policies;
    private readonly ClipIntake _intake;
    private readonly DeviceRecord _kiosk = new() { DeviceId = "kiosk-1", PasswordHash = "h", Labels = new DeviceLabels { Site = "consented" } };
    private readonly DeviceRecord _other = new() { DeviceId = "kiosk-2", PasswordHash = "h", Labels = new DeviceLabels { Site = "elsewhere" } };

    public ClipIntakeTests()
    {
        _options = new CloudOptions { DataDir = TestPaths.NewTempDirectory() };
        _options.Clips.QuotaSlack = 1;
        _store = new LiteDbCloudStore(_options.DataDir);
        _key = ClipKey.LoadAsync(_options, _store, NullLogger.Instance).GetAwaiter().GetResult();
        _policies = new ClipPolicies(_store, _key);
        _intake = new ClipIntake(_store, _key, _policies, Options.Create(_options), _time, NullLogger<ClipIntake>.Instance);
        _policies.SetAsync(new FleetClipPolicy
        {
            Labels = new() { ["site"] = "consented" }, Enabled = true, MaxClipsPerHour = 2, RetentionDays = 10,
            Triggers = new ClipTriggers { Detections = true },
        }).GetAwaiter().GetResult();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upload_StoresTheClip_AndARetryIsADuplicateWithTheSameId()
    {
        (byte[] sealedClip, ClipMetadata metadata, byte[] pcm) = Seal(_kiosk.DeviceId);

        ClipUploadOutcome first = await _intake.UploadAsync(_kiosk, sealedClip, Ct);
        ClipUploadOutcome retry = await _intake.UploadAsync(_kiosk, sealedClip, Ct);

        Assert.Equal((201, metadata.ClipId), (first.Status, first.ClipId));
        Assert.Equal((200, metadata.ClipId), (retry.Status, retry.ClipId));
        Assert.Equal(pcm, await _store.ReadClipAudioAsync(metadata.ClipId, Ct));
        ClipRecord stored = (await _store.GetClipAsync(metadata.ClipId, Ct))!;
        Assert.Equal((s_t0, metadata.At.AddDays(10), 0.5), (stored.ReceivedAt, stored.ExpiresAt, stored.DurationSec)); // retention counts from when it was heard
        Assert.Equal((1L, 1L), (_intake.Stats.Accepted, _intake.Stats.Duplicates));
    }

    [Fact]
    public async Task Upload_PastTheHourlyQuota_Is429_UntilTheHourHasPassed()
    {
        for (int i = 0; i < 3; i++) // maxClipsPerHour 2 + slack 1
        {
            Assert.Equal(201, (await _intake.UploadAsync(_kiosk, Seal(_kiosk.DeviceId).Sealed, Ct)).Status);
            _time.Advance(TimeSpan.FromMinutes(10));
        }

        byte[] kept = Seal(_kiosk.DeviceId).Sealed;
        ClipUploadOutcome over = await _intake.UploadAsync(_kiosk, kept, Ct);
        Assert.Equal((429, ClipRejections.Quota), (over.Status, over.Reason));

        _time.Advance(TimeSpan.FromMinutes(31)); // the first clip arrived more than an hour ago
        Assert.Equal(201, (await _intake.UploadAsync(_kiosk, kept, Ct)).Status);
        Assert.Equal(429, (await _intake.UploadAsync(_kiosk, Seal(_kiosk.DeviceId).Sealed, Ct)).Status);
        Assert.Equal(2, _intake.Stats.Rejected[ClipRejections.Quota]);
    }

    [Fact]
    public async Task Upload_FromADeviceThePolicyDoesNotSelect_Is403()
    {
        ClipUploadOutcome outcome = await _intake.UploadAsync(_other, Seal(_other.DeviceId).Sealed, Ct);

        Assert.Equal((403, ClipRejections.PolicyOff), (outcome.Status, outcome.Reason));
        Assert.Contains("kiosk-2", outcome.Problem);
        Assert.Empty(await _store.ListClipsAsync(new ClipQuery(), Ct));
    }

    [Fact]
    public async Task Upload_OfAnotherDevicesClip_Is400NamingBoth()
    {
        ClipUploadOutcome outcome = await _intake.UploadAsync(_kiosk, Seal("kiosk-2").Sealed, Ct);

        Assert.Equal((400, ClipRejections.WrongDevice), (outcome.Status, outcome.Reason));
        Assert.Contains("'kiosk-2'", outcome.Problem);
        Assert.Contains("'kiosk-1'", outcome.Problem);
    }

    [Fact]
    public async Task Upload_NotAnEnvelope_OrSealedToAnotherKey_Is400()
    {
        using var thief = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        ClipMetadata metadata = Metadata(_kiosk.DeviceId, 8000);

        ClipUploadOutcome garbage = await _intake.UploadAsync(_kiosk, "RIFF....WAVEfmt not a clip at all"u8.ToArray(), Ct);
        ClipUploadOutcome foreign = await _intake.UploadAsync(_kiosk, ClipEnvelope.Seal(metadata, new byte[16_000], thief.ExportSubjectPublicKeyInfo()), Ct);

        Assert.Equal((400, ClipRejections.NotAnEnvelope), (garbage.Status, garbage.Reason));
        Assert.Contains("EACLIP01", garbage.Problem);
        Assert.Equal((400, ClipRejections.NotAnEnvelope), (foreign.Status, foreign.Reason));
        Assert.Contains("clip key", foreign.Problem);
    }

    [Theory]
    [InlineData("length", "durationSec 2")]
    [InlineData("rate", "sampleRate 8000")]
    [InlineData("trigger", "trigger is not one of")]
    [InlineData("id", "clipId is not a GUID")]
    [InlineData("empty", "no audio")]
    public async Task Upload_WithMetadataThatDoesNotFitItsAudio_Is400SayingWhat(string broken, string problem)
    {
        ClipMetadata good = Metadata(_kiosk.DeviceId, 8000);
        (ClipMetadata metadata, int samples) = broken switch
        {
            "length" => (good with { DurationSec = 2 }, 8000),
            "rate" => (good with { SampleRate = 8000, DurationSec = 1 }, 8000),
            "trigger" => (good with { Trigger = "whim" }, 8000),
            "id" => (good with { ClipId = "../../etc/passwd" }, 8000),
            _ => (good with { DurationSec = 0 }, 0),
        };

        ClipUploadOutcome outcome = await _intake.UploadAsync(_kiosk, ClipEnvelope.Seal(metadata, new byte[samples * 2], Convert.FromBase64String(_key.PublicKey)), Ct);

        Assert.Equal((400, ClipRejections.Invalid), (outcome.Status, outcome.Reason));
        Assert.Contains(problem, outcome.Problem);
    }

    [Fact]
    public async Task Upload_AboveTheSizeLimit_Is413()
    {
        ClipUploadOutcome outcome = await _intake.UploadAsync(_kiosk, new byte[_options.Clips.MaxUploadBytes + 1], Ct);

        Assert.Equal((413, ClipRejections.TooLarge), (outcome.Status, outcome.Reason));
    }

    [Fact]
    public async Task DevicePolicy_IsOnOnlyForSelectedDevices_AndItsVersionFollowsThePolicy()
    {
        ClipPolicy on = await _policies.ForDeviceAsync(_kiosk, Ct);
        ClipPolicy off = await _policies.ForDeviceAsync(_other, Ct);
        Assert.True(on.Enabled);
        Assert.Equal((2, 10, true), (on.MaxClipsPerHour, on.RetentionDays, on.Triggers.Detections));
        Assert.Equal(_key.PublicKey, on.PublicKey);
        Assert.False(off.Enabled);
        Assert.False(off.Triggers.Detections);
        Assert.NotEqual(on.Version, off.Version);

        Assert.Equal(on.Version, (await _policies.ForDeviceAsync(_kiosk, Ct)).Version);
        await _policies.SetAsync(new FleetClipPolicy { Enabled = true, MaxClipsPerHour = 5, RetentionDays = 10 }, Ct);
        ClipPolicy changed = await _policies.ForDeviceAsync(_kiosk, Ct);
        Assert.NotEqual(on.Version, changed.Version);
        Assert.True((await _policies.ForDeviceAsync(_other, Ct)).Enabled); // target "all" now
    }

    public void Dispose()
    {
        _key.Dispose();
        _store.Dispose();
    }

    private (byte[] Sealed, ClipMetadata Metadata, byte[] Pcm) Seal(string deviceId)
    {
        byte[] pcm = RandomNumberGenerator.GetBytes(16_000); // 0.5 s
        ClipMetadata metadata = Metadata(deviceId, pcm.Length / 2);
        return (ClipEnvelope.Seal(metadata, pcm, Convert.FromBase64String(_key.PublicKey)), metadata, pcm);
    }

    private ClipMetadata Metadata(string deviceId, int samples) => new()
    {
        ClipId = Guid.NewGuid().ToString("n"), DeviceId = deviceId, At = _time.GetUtcNow().AddSeconds(-3), Trigger = ClipTrigger.Detection,
        Keyword = "hey_jarvis", Score = 0.9, Threshold = 0.5, Models = [new ModelRef { Name = "hey_jarvis", Version = "1.0", Slot = "active" }],
        DurationSec = samples / 16_000.0,
    };
}
