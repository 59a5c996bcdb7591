using System.Security.Cryptography;
using System.Text;

namespace EdgeCloud.Mqtt;

/// <summary>Device MQTT passwords: 32 random bytes (base64url) handed out once; the cloud keeps their SHA-256.</summary>
public static class DeviceCredentials
{
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string? secret, string hash) =>
        secret is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(hash));
}
