using System.Security.Cryptography;
using EdgeCloud.Storage;

namespace EdgeCloud.Clips;

/// <summary>
/// The cloud's clip key (ECDH P-256): devices seal clips to its public half (<see cref="PublicKey"/>, SubjectPublicKeyInfo
/// base64, in every device's clip policy) and only this key opens them. From <see cref="ClipOptions.KeyFile"/> (PEM) when
/// configured; else made once and kept in <c>&lt;DataDir&gt;/clip-key.pem</c> (owner-only) with LiteDB, or in the
/// database with PostgreSQL (instances have their own data directories but must all open every clip: the first one to
/// start stores its key, the others take that one).
/// </summary>
public sealed partial class ClipKey : IDisposable
{
    public const string SettingName = "clip-key";

    private ClipKey(ECDiffieHellman key)
    {
        Key = key;
        PublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    public ECDiffieHellman Key { get; }

    public string PublicKey { get; }

    public static async Task<ClipKey> LoadAsync(CloudOptions options, ICloudStore store, ILogger logger, CancellationToken cancellationToken = default)
    {
        if (options.Clips.KeyFile is { } configured)
        {
            if (!File.Exists(configured))
            {
                throw new ClipKeyException($"EdgeCloud:Clips:KeyFile {configured} does not exist");
            }

            return FromPem(await File.ReadAllTextAsync(configured, cancellationToken), configured);
        }

        if (options.Storage.Provider.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            using ECDiffieHellman made = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            string pem = made.ExportECPrivateKeyPem();
            SettingRecord stored = await store.AddSettingAsync(SettingName, pem, cancellationToken);
            if (stored.Value == pem)
            {
                LogCreated(logger, "the database");
            }

            return FromPem(stored.Value, "the database's clip key");
        }

        string path = Path.Combine(options.DataDir, "clip-key.pem");
        if (File.Exists(path))
        {
            return FromPem(await File.ReadAllTextAsync(path, cancellationToken), path);
        }

        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(options.DataDir);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // owner-only from the first byte
        }

        await using (var file = new FileStream(path, create))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteAsync(key.ExportECPrivateKeyPem().AsMemory(), cancellationToken);
        }

        LogCreated(logger, path);
        return new ClipKey(key);
    }

    public void Dispose() => Key.Dispose();

    private static ClipKey FromPem(string pem, string source)
    {
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new ClipKeyException($"{source}: not a PEM EC private key ({ex.Message})", ex);
        }

        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new ClipKeyException($"{source}: the clip key must be P-256, not a {key.KeySize}-bit key");
        }

        return new ClipKey(key);
    }

    [LoggerMessage(5600, LogLevel.Warning, "Created the clip key in {Where}; clips sealed to it open only with it (back it up)")]
    private static partial void LogCreated(ILogger logger, string where);
}
