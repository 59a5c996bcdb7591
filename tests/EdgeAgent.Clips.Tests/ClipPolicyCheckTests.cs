using System.Security.Cryptography;
using EdgeAgent.Contracts;

namespace EdgeAgent.Clips.Tests;

public sealed class ClipPolicyCheckTests
{
    private static readonly ClipPolicy s_good = new()
    {
        Enabled = true, MaxClipsPerHour = 10,
        PublicKey = Convert.ToBase64String(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256).ExportSubjectPublicKeyInfo()),
        Triggers = new ClipTriggers { NearMiss = new NearMissTrigger(0.3), RandomSpeech = new RandomSpeechTrigger(0.05) },
    };

    [Fact]
    public void Problem_GoodOrOff_None()
    {
        Assert.Null(ClipPolicyCheck.Problem(s_good));
        Assert.Null(ClipPolicyCheck.Problem(ClipPolicy.Off));
        Assert.Null(ClipPolicyCheck.Problem(new ClipPolicy { Enabled = false, PublicKey = "garbage", RetentionDays = -5 }));
    }

    [Fact]
    public void Problem_EachBadField_IsNamed()
    {
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        (ClipPolicy Policy, string Field)[] cases =
        [
            (s_good with { SchemaVersion = 99 }, "schemaVersion 99"),
            (s_good with { MaxClipsPerHour = -1 }, "maxClipsPerHour -1"),
            (s_good with { MaxQueueBytes = 0 }, "maxQueueBytes 0"),
            (s_good with { RetentionDays = 0 }, "retentionDays 0"),
            (s_good with { Triggers = s_good.Triggers with { NearMiss = new NearMissTrigger(1.5) } }, "triggers.nearMiss.low 1.5"),
            (s_good with { Triggers = s_good.Triggers with { RandomSpeech = new RandomSpeechTrigger(-0.1) } }, "triggers.randomSpeech.rate -0.1"),
            (s_good with { PublicKey = null }, "no publicKey"),
            (s_good with { PublicKey = "!!" }, "publicKey is not a base64 P-256"),
            (s_good with { PublicKey = Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo()) }, "384-bit key"),
        ];

        foreach ((ClipPolicy policy, string field) in cases)
        {
            Assert.Contains(field, ClipPolicyCheck.Problem(policy), StringComparison.Ordinal);
        }
    }
}
