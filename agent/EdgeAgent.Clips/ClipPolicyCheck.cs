using System.Security.Cryptography;
using EdgeAgent.Contracts;

namespace EdgeAgent.Clips;

/// <summary>Why a clip policy from the cloud cannot be applied, in words naming the field.</summary>
public static class ClipPolicyCheck
{
    public static string? Problem(ClipPolicy policy)
    {
        if (policy.SchemaVersion != Contract.SchemaVersion)
        {
            return $"unsupported clip policy schemaVersion {policy.SchemaVersion} (this agent reads {Contract.SchemaVersion})";
        }

        if (!policy.Enabled)
        {
            return null; // off: nothing else matters
        }

        if (policy.MaxClipsPerHour < 0)
        {
            return $"maxClipsPerHour {policy.MaxClipsPerHour} is negative";
        }

        if (policy.MaxQueueBytes <= 0)
        {
            return $"maxQueueBytes {policy.MaxQueueBytes} is not above 0";
        }

        if (policy.RetentionDays < 1)
        {
            return $"retentionDays {policy.RetentionDays} is below 1 (a clip would be deleted as soon as it is queued)";
        }

        if (policy.Triggers.NearMiss is { } nearMiss && !(nearMiss.Low is > 0 and < 1))
        {
            return $"triggers.nearMiss.low {nearMiss.Low} is not in (0, 1)";
        }

        if (policy.Triggers.RandomSpeech is { } sample && !(sample.Rate is >= 0 and <= 1))
        {
            return $"triggers.randomSpeech.rate {sample.Rate} is not in [0, 1]";
        }

        if (string.IsNullOrEmpty(policy.PublicKey))
        {
            return "an enabled policy carries no publicKey to seal clips with";
        }

        try
        {
            using var key = ECDiffieHellman.Create();
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(policy.PublicKey), out _);
            return key.KeySize == 256 ? null : $"publicKey is a {key.KeySize}-bit key, not P-256";
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return $"publicKey is not a base64 P-256 SubjectPublicKeyInfo ({ex.Message})";
        }
    }
}
