using EdgeAgent.Contracts;
using EdgeCloud.Storage;

namespace EdgeCloud.Tests.Storage;

/// <summary>Clips, their labels and audio, retention, and the shared settings.</summary>
public abstract partial class CloudStoreContract
{
    [Fact]
    public async Task Clips_AreStoredOnceWithTheirAudio_AndListedNewestFirstByFilter()
    {
        byte[] pcm = [1, 2, 3, 4, 250, 251];
        Assert.True(await Store.AddClipAsync(Clip("c1", "a", s_t0, ClipTrigger.Detection), pcm, Ct));
        Assert.False(await Store.AddClipAsync(Clip("c1", "a", s_t0.AddMinutes(9), ClipTrigger.NearMiss), [9, 9], Ct)); // a retry stores nothing
        Assert.True(await Store.AddClipAsync(Clip("c2", "a", s_t0.AddMinutes(2), ClipTrigger.RandomSpeech), [5, 6], Ct));
        Assert.True(await Store.AddClipAsync(Clip("c3", "b", s_t0.AddMinutes(1), ClipTrigger.Detection), [7, 8], Ct));

        ClipRecord c1 = (await Store.GetClipAsync("c1", Ct))!;
        Assert.Equal((ClipTrigger.Detection, "hey_jarvis", 0.9, s_t0), (c1.Trigger, c1.Keyword, c1.Score, c1.At));
        Assert.Equal(["hey_jarvis@1.0"], c1.Models.Select(m => $"{m.Name}@{m.Version}"));
        Assert.Equal(["bandwidth"], c1.Alarms);
        Assert.Null(c1.Labels);
        Assert.Equal(pcm, await Store.ReadClipAudioAsync("c1", Ct));
        Assert.Null(await Store.ReadClipAudioAsync("nope", Ct));
        Assert.Null(await Store.GetClipAsync("nope", Ct));

        Assert.Equal(["c2", "c3", "c1"], (await Store.ListClipsAsync(new ClipQuery(), Ct)).Select(c => c.Id));
        Assert.Equal(["c2", "c1"], (await Store.ListClipsAsync(new ClipQuery { DeviceId = "a" }, Ct)).Select(c => c.Id));
        Assert.Equal(["c3", "c1"], (await Store.ListClipsAsync(new ClipQuery { Trigger = ClipTrigger.Detection }, Ct)).Select(c => c.Id));
        Assert.Equal(["c3"], (await Store.ListClipsAsync(new ClipQuery { Since = s_t0.AddMinutes(1), Until = s_t0.AddMinutes(2) }, Ct)).Select(c => c.Id));
        Assert.Equal(["c2"], (await Store.ListClipsAsync(new ClipQuery { Limit = 1 }, Ct)).Select(c => c.Id));

        var labels = new ClipLabels(["hey_jarvis"], true, "ann", s_t0.AddHours(1));
        Assert.True(await Store.LabelClipAsync("c3", labels, Ct));
        Assert.False(await Store.LabelClipAsync("nope", labels, Ct));
        ClipLabels stored = (await Store.GetClipAsync("c3", Ct))!.Labels!;
        Assert.Equal(["hey_jarvis"], stored.Keywords);
        Assert.Equal((true, "ann", s_t0.AddHours(1)), (stored.Speech, stored.By, stored.At));
        Assert.Equal(["c3"], (await Store.ListClipsAsync(new ClipQuery { Labelled = true }, Ct)).Select(c => c.Id));
        Assert.Equal(["c2", "c1"], (await Store.ListClipsAsync(new ClipQuery { Labelled = false }, Ct)).Select(c => c.Id));
        Assert.True(await Store.LabelClipAsync("c3", labels with { Keywords = [], Speech = false }, Ct)); // a relabel replaces
        Assert.Empty((await Store.GetClipAsync("c3", Ct))!.Labels!.Keywords);
    }

    [Fact]
    public async Task Clips_AreCountedByArrivalForTheQuota_AndPrunedWhenTheyExpire()
    {
        for (int i = 0; i < 5; i++)
        {
            await Store.AddClipAsync(Clip($"q{i}", "a", s_t0, ClipTrigger.Detection) with { ReceivedAt = s_t0.AddMinutes(20 * i), ExpiresAt = s_t0.AddDays(i + 1) }, [1, 2], Ct);
        }

        Assert.Equal(5, await Store.CountClipsAsync("a", s_t0, Ct));
        Assert.Equal(2, await Store.CountClipsAsync("a", s_t0.AddMinutes(60), Ct));
        Assert.Equal(0, await Store.CountClipsAsync("b", s_t0, Ct));

        Assert.Equal(0, await Store.PruneClipsAsync(s_t0.AddHours(23), 10, Ct));
        Assert.Equal(2, await Store.PruneClipsAsync(s_t0.AddDays(3), 2, Ct)); // q0 and q1 expired; a batch of 2
        Assert.Equal(1, await Store.PruneClipsAsync(s_t0.AddDays(3), 2, Ct));
        Assert.Equal(0, await Store.PruneClipsAsync(s_t0.AddDays(3), 2, Ct));
        Assert.Equal(["q3", "q4"], (await Store.ListClipsAsync(new ClipQuery(), Ct)).Select(c => c.Id).Order());
        Assert.Null(await Store.ReadClipAudioAsync("q0", Ct)); // the audio went with it
        Assert.Null(await Store.GetClipAsync("q2", Ct));
    }

    [Fact]
    public async Task Clips_AreDeletedOnRequest_OneOrAllOfADevice()
    {
        await Store.AddClipAsync(Clip("d1", "a", s_t0, ClipTrigger.Detection), [1], Ct);
        await Store.AddClipAsync(Clip("d2", "a", s_t0, ClipTrigger.Detection), [2], Ct);
        await Store.AddClipAsync(Clip("d3", "b", s_t0, ClipTrigger.Detection), [3], Ct);

        Assert.Equal(0, await Store.DeleteClipsAsync(null, null, Ct)); // neither: nothing, never everything
        Assert.Equal(0, await Store.DeleteClipsAsync("d3", "a", Ct));  // not that device's
        Assert.Equal(1, await Store.DeleteClipsAsync("d1", null, Ct));
        Assert.Null(await Store.ReadClipAudioAsync("d1", Ct));
        Assert.Equal(1, await Store.DeleteClipsAsync(null, "a", Ct));
        Assert.Equal(["d3"], (await Store.ListClipsAsync(new ClipQuery(), Ct)).Select(c => c.Id));
    }

    [Fact]
    public async Task Settings_CountRevisions_AndTheFirstAddWins()
    {
        Assert.Null(await Store.GetSettingAsync("clip-policy", Ct));
        Assert.Equal(1, await Store.PutSettingAsync("clip-policy", "one", Ct));
        Assert.Equal(2, await Store.PutSettingAsync("clip-policy", "two", Ct));
        Assert.Equal(new SettingRecord("two", 2), await Store.GetSettingAsync("clip-policy", Ct));

        using ICloudStore? another = OpenAnotherInstance();
        Assert.Equal(new SettingRecord("key-a", 1), await Store.AddSettingAsync("clip-key", "key-a", Ct));
        Assert.Equal(new SettingRecord("key-a", 1), await (another ?? Store).AddSettingAsync("clip-key", "key-b", Ct)); // another instance takes the first one's
    }

    [Fact]
    public async Task Windows_KeepTheirImplicitSignals()
    {
        await Store.AddDeviceAsync(Device("a"), Ct);
        await Store.AddWindowAsync(Window("a", "boot1", 1) with { Signals = new() { ["hey_jarvis"] = new ImplicitSignals(2, 1) } }, Ct);
        await Store.AddWindowAsync(Window("a", "boot1", 2), Ct);

        IReadOnlyList<WindowRecord> windows = await Store.ListWindowsAsync("a", 10, Ct);
        Assert.Equal(new ImplicitSignals(2, 1), windows[0].Signals["hey_jarvis"]);
        Assert.Empty(windows[1].Signals);
    }

    private static ClipRecord Clip(string id, string device, DateTimeOffset at, string trigger) => new()
    {
        Id = id, DeviceId = device, At = at, ReceivedAt = at.AddSeconds(5), Trigger = trigger, Keyword = trigger == ClipTrigger.RandomSpeech ? null : "hey_jarvis",
        Score = trigger == ClipTrigger.RandomSpeech ? null : 0.9, Threshold = 0.5, Models = [new ModelRef { Name = "hey_jarvis", Version = "1.0" }],
        Alarms = ["bandwidth"], DurationSec = 2.5, ExpiresAt = at.AddDays(30),
    };
}
