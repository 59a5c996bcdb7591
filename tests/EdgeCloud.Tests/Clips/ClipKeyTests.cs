using EdgeAgent.TestSupport;
using EdgeCloud.Clips;
using EdgeCloud.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCloud.Tests.Clips;

public sealed class ClipKeyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Load_WithLiteDb_MakesAnOwnerOnlyKeyFileOnce_AndKeepsIt()
    {
        var options = new CloudOptions { DataDir = TestPaths.NewTempDirectory() };
        using var store = new LiteDbCloudStore(options.DataDir);

        using ClipKey first = await ClipKey.LoadAsync(options, store, NullLogger.Instance, Ct);
        using ClipKey again = await ClipKey.LoadAsync(options, store, NullLogger.Instance, Ct);

        string path = Path.Combine(options.DataDir, "clip-key.pem");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal(first.PublicKey, again.PublicKey);
        Assert.Null(await store.GetSettingAsync(ClipKey.SettingName, Ct)); // one instance: not in the database
    }

    [Fact]
    public async Task Load_FromAConfiguredFile_UsesIt_AndAMissingOrWrongOneIsNamed()
    {
        var options = new CloudOptions { DataDir = TestPaths.NewTempDirectory() };
        using var store = new LiteDbCloudStore(options.DataDir);
        using ClipKey made = await ClipKey.LoadAsync(options, store, NullLogger.Instance, Ct);

        options.Clips.KeyFile = Path.Combine(options.DataDir, "clip-key.pem");
        using ClipKey configured = await ClipKey.LoadAsync(options, store, NullLogger.Instance, Ct);
        Assert.Equal(made.PublicKey, configured.PublicKey);

        options.Clips.KeyFile = Path.Combine(options.DataDir, "nope.pem");
        Assert.Contains("nope.pem", (await Assert.ThrowsAsync<ClipKeyException>(() => ClipKey.LoadAsync(options, store, NullLogger.Instance, Ct))).Message);

        options.Clips.KeyFile = Path.Combine(options.DataDir, "bad.pem");
        await File.WriteAllTextAsync(options.Clips.KeyFile, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", Ct);
        Assert.Contains("bad.pem", (await Assert.ThrowsAsync<ClipKeyException>(() => ClipKey.LoadAsync(options, store, NullLogger.Instance, Ct))).Message);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Load_WithPostgres_GivesEveryInstanceTheFirstInstancesKey()
    {
        string database = PostgresServer.Shared.CreateDatabase();
        var one = new CloudOptions { DataDir = TestPaths.NewTempDirectory(), Storage = { Provider = "postgres", ConnectionString = database } };
        var two = new CloudOptions { DataDir = TestPaths.NewTempDirectory(), Storage = { Provider = "postgres", ConnectionString = database } };
        using PostgresCloudStore storeOne = await PostgresCloudStore.OpenAsync(database, Ct);
        using PostgresCloudStore storeTwo = await PostgresCloudStore.OpenAsync(database, Ct);

        ClipKey[] keys = await Task.WhenAll(
            Task.Run(() => ClipKey.LoadAsync(one, storeOne, NullLogger.Instance, Ct), Ct), Task.Run(() => ClipKey.LoadAsync(two, storeTwo, NullLogger.Instance, Ct), Ct));

        Assert.Equal(keys[0].PublicKey, keys[1].PublicKey);
        Assert.False(File.Exists(Path.Combine(one.DataDir, "clip-key.pem")));
        foreach (ClipKey key in keys)
        {
            key.Dispose();
        }
    }
}
