using System.Security.Cryptography;
using EdgeAgent.Contracts;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Registry;

/// <summary>
/// Signs model manifests with the registry's ECDSA P-256 key: from <c>EdgeCloud:Registry:SigningKeyFile</c> (PEM), or
/// else a key made once and kept in <c>&lt;DataDir&gt;/registry-signing-key.pem</c> (owner-only). Agents pin the public key
/// (<c>GET /api/models/signing-key</c>).
/// </summary>
public sealed partial class ModelSigner : IDisposable
{
    private readonly ECDsa _key;

    public ModelSigner(IOptions<CloudOptions> options, ILogger<ModelSigner> logger)
    {
        CloudOptions o = options.Value;
        string path = o.Registry.SigningKeyFile ?? Path.Combine(o.DataDir, "registry-signing-key.pem");
        _key = ECDsa.Create();
        if (File.Exists(path))
        {
            _key.ImportFromPem(File.ReadAllText(path));
            if (_key.KeySize != 256)
            {
                throw new InvalidOperationException($"{path}: the registry signing key must be ECDSA P-256, not a {_key.KeySize}-bit key");
            }
        }
        else if (o.Registry.SigningKeyFile is not null)
        {
            throw new FileNotFoundException($"EdgeCloud:Registry:SigningKeyFile {path} does not exist", path);
        }
        else
        {
            _key.GenerateKey(ECCurve.NamedCurves.nistP256);
            Directory.CreateDirectory(o.DataDir);
            File.WriteAllText(path, _key.ExportECPrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            LogCreated(logger, path);
        }

        PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem();
    }

    public string PublicKeyPem { get; }

    public string Sign(ModelPackageManifest manifest, string sha256, long size) =>
        Convert.ToBase64String(_key.SignData(SignedModelManifest.SignedBytes(manifest, sha256, size), HashAlgorithmName.SHA256));

    public void Dispose() => _key.Dispose();

    [LoggerMessage(5500, LogLevel.Warning, "Created a registry signing key in {Path}; agents must pin its public key (GET /api/models/signing-key)")]
    private static partial void LogCreated(ILogger logger, string path);
}
