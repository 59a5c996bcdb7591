using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAgent.Contracts;

/// <summary>
/// What a device may capture, as the cloud resolved it for this device (<c>GET /api/device/clips/policy</c>, device
/// credentials). Off unless <see cref="Enabled"/>: a device whose labels the operator's policy does not select gets
/// <c>enabled: false</c>. <see cref="Version"/> changes whenever the policy or the cloud's clip key does.
/// </summary>
public sealed record ClipPolicy
{
    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    public long Version { get; init; }

    public bool Enabled { get; init; }

    public ClipTriggers Triggers { get; init; } = new();

    /// <summary>Clips captured per hour at most, all triggers together.</summary>
    public int MaxClipsPerHour { get; init; }

    /// <summary>Bytes the device's clip queue may hold on disk; beyond it the oldest queued clip is dropped.</summary>
    public long MaxQueueBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Days a clip is kept (queued on the device, stored in the cloud).</summary>
    public int RetentionDays { get; init; } = 30;

    /// <summary>The cloud's clip key (P-256, SubjectPublicKeyInfo, base64): clips are sealed to it and only it.</summary>
    public string? PublicKey { get; init; }

    public static ClipPolicy Off { get; } = new();
}

public sealed record ClipTriggers
{
    /// <summary>Every detection (a possible false accept).</summary>
    public bool Detections { get; init; }

    /// <summary>A keyword score peak in [low, threshold) without a detection (a possible false reject).</summary>
    public NearMissTrigger? NearMiss { get; init; }

    /// <summary>This fraction of speech segments, chosen at random (unbiased, for recall).</summary>
    public RandomSpeechTrigger? RandomSpeech { get; init; }

    /// <summary>A few clips per hour while a drift alarm is active.</summary>
    public bool DuringDriftAlarm { get; init; }
}

public sealed record NearMissTrigger(double Low);

public sealed record RandomSpeechTrigger(double Rate);

/// <summary>Why a clip was captured.</summary>
public static class ClipTrigger
{
    public const string Detection = "detection";
    public const string NearMiss = "near-miss";
    public const string RandomSpeech = "random-speech";
    public const string DriftAlarm = "drift-alarm";

    public static IReadOnlyList<string> All { get; } = [Detection, NearMiss, RandomSpeech, DriftAlarm];
}

/// <summary>A clip's metadata: in clear in its envelope (a technician may list it), the audio is not.</summary>
public sealed record ClipMetadata
{
    [JsonRequired]
    public int SchemaVersion { get; init; } = Contract.SchemaVersion;

    /// <summary>A new GUID ("n" format) per clip; uploads are idempotent by it.</summary>
    public required string ClipId { get; init; }

    public required string DeviceId { get; init; }

    /// <summary>When the clip's first sample was heard.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>One of <see cref="ClipTrigger"/>.</summary>
    public required string Trigger { get; init; }

    /// <summary>The keyword detected or nearly detected (null for random speech and drift-alarm clips).</summary>
    public string? Keyword { get; init; }

    public double? Score { get; init; }

    /// <summary>The keyword's threshold at the time, when there is a keyword.</summary>
    public double? Threshold { get; init; }

    /// <summary>The models serving when the clip was captured (name, version, slot).</summary>
    public List<ModelRef> Models { get; init; } = [];

    /// <summary>Drift alarms active then, as <c>family</c> names.</summary>
    public List<string> Alarms { get; init; } = [];

    public double DurationSec { get; init; }

    public int SampleRate { get; init; } = 16_000;
}

/// <summary>
/// A clip sealed for the cloud alone: an ephemeral P-256 key agreed with the cloud's clip key (ECDH, SHA-256 of the
/// shared secret), AES-256-GCM over the 16-bit PCM with the header as associated data. Layout: <c>EACLIP01</c>, the
/// header's length (uint32, little-endian), the header (UTF-8 JSON: metadata, ephemeral key, nonce), the ciphertext,
/// the 16-byte tag. The same bytes are queued on the device and uploaded; only the cloud's private key opens them.
/// </summary>
public static class ClipEnvelope
{
    public const int MaxHeaderBytes = 64 * 1024;
    private const int TagBytes = 16;
    private const int NonceBytes = 12;
    private static readonly byte[] s_magic = "EACLIP01"u8.ToArray();
    private static readonly byte[] s_kdfLabel = "edgeagent-clip-v1"u8.ToArray();

    public static byte[] Seal(ClipMetadata metadata, ReadOnlySpan<byte> pcm16, ReadOnlySpan<byte> recipientPublicKey)
    {
        using var recipient = ECDiffieHellman.Create();
        recipient.ImportSubjectPublicKeyInfo(recipientPublicKey, out _);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[] key = ephemeral.DeriveKeyFromHash(recipient.PublicKey, HashAlgorithmName.SHA256, s_kdfLabel, null);
        byte[] nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var header = new ClipEnvelopeHeader
        {
            Metadata = metadata,
            EphemeralKey = Convert.ToBase64String(ephemeral.ExportSubjectPublicKeyInfo()),
            Nonce = Convert.ToBase64String(nonce),
        };
        byte[] headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, ContractsJsonContext.Default.ClipEnvelopeHeader);
        if (headerBytes.Length > MaxHeaderBytes)
        {
            throw new ArgumentException($"clip metadata is {headerBytes.Length} bytes; at most {MaxHeaderBytes}", nameof(metadata));
        }

        byte[] sealedClip = new byte[s_magic.Length + 4 + headerBytes.Length + pcm16.Length + TagBytes];
        Span<byte> span = sealedClip;
        s_magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[s_magic.Length..], (uint)headerBytes.Length);
        int offset = s_magic.Length + 4;
        headerBytes.CopyTo(span[offset..]);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, pcm16, span.Slice(offset + headerBytes.Length, pcm16.Length), span[^TagBytes..], headerBytes);
        CryptographicOperations.ZeroMemory(key);
        return sealedClip;
    }

    /// <summary>Reads the metadata without the key (what <c>edgectl clips list</c> shows).</summary>
    /// <exception cref="ClipFormatException">Not a clip envelope, or a damaged one.</exception>
    public static ClipMetadata ReadMetadata(ReadOnlySpan<byte> sealedClip) => ReadHeader(sealedClip, out _).Metadata;

    /// <summary>Opens a clip with the cloud's private key: its metadata and 16-bit PCM.</summary>
    /// <exception cref="ClipFormatException">Not a clip envelope, damaged, or sealed for another key.</exception>
    public static (ClipMetadata Metadata, byte[] Pcm16) Open(ReadOnlySpan<byte> sealedClip, ECDiffieHellman privateKey)
    {
        ClipEnvelopeHeader header = ReadHeader(sealedClip, out int headerEnd);
        ReadOnlySpan<byte> headerBytes = sealedClip[(s_magic.Length + 4)..headerEnd];
        ReadOnlySpan<byte> cipher = sealedClip[headerEnd..^TagBytes];
        byte[] pcm = new byte[cipher.Length];
        byte[]? key = null;
        try
        {
            using var ephemeral = ECDiffieHellman.Create();
            ephemeral.ImportSubjectPublicKeyInfo(Convert.FromBase64String(header.EphemeralKey), out _);
            key = privateKey.DeriveKeyFromHash(ephemeral.PublicKey, HashAlgorithmName.SHA256, s_kdfLabel, null);
            byte[] nonce = Convert.FromBase64String(header.Nonce);
            if (nonce.Length != NonceBytes)
            {
                throw new ClipFormatException($"the nonce is {nonce.Length} bytes, not {NonceBytes}");
            }

            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(nonce, cipher, sealedClip[^TagBytes..], pcm, headerBytes);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or PlatformNotSupportedException or ArgumentException)
        {
            throw new ClipFormatException($"the clip does not open with the cloud's clip key ({ex.Message})", ex);
        }
        finally
        {
            if (key is not null)
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        return (header.Metadata, pcm);
    }

    private static ClipEnvelopeHeader ReadHeader(ReadOnlySpan<byte> sealedClip, out int headerEnd)
    {
        if (sealedClip.Length < s_magic.Length + 4 + TagBytes || !sealedClip.StartsWith(s_magic))
        {
            throw new ClipFormatException("not a clip envelope (no EACLIP01 header)");
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(sealedClip[s_magic.Length..]);
        int start = s_magic.Length + 4;
        if (length == 0 || length > MaxHeaderBytes || start + (long)length + TagBytes > sealedClip.Length)
        {
            throw new ClipFormatException($"the clip header length {length} does not fit the {sealedClip.Length}-byte envelope");
        }

        headerEnd = start + (int)length;
        ClipEnvelopeHeader? header;
        try
        {
            header = JsonSerializer.Deserialize(sealedClip[start..headerEnd], ContractsJsonContext.Default.ClipEnvelopeHeader);
        }
        catch (JsonException ex)
        {
            throw new ClipFormatException($"the clip header is not valid JSON ({ex.Message})", ex);
        }

        if (header?.Metadata is null || string.IsNullOrEmpty(header.EphemeralKey) || string.IsNullOrEmpty(header.Nonce))
        {
            throw new ClipFormatException("the clip header lacks its metadata, ephemeral key or nonce");
        }

        if ((sealedClip.Length - headerEnd - TagBytes) % 2 != 0)
        {
            throw new ClipFormatException("the clip's audio is not whole 16-bit samples");
        }

        return header;
    }
}

/// <summary>The clear part of a <see cref="ClipEnvelope"/>.</summary>
public sealed record ClipEnvelopeHeader
{
    public required ClipMetadata Metadata { get; init; }

    public required string EphemeralKey { get; init; }

    public required string Nonce { get; init; }
}

public sealed class ClipFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What users do that tells whether a keyword model is right, per keyword and window (no anchor has them):
/// <see cref="Repeats"/> counts a detection that follows another detection or a near miss of the same keyword within a
/// few seconds (a person repeating themselves: the first try was likely missed); <see cref="Unanswered"/> counts a
/// detection followed by no speech (likely a false accept: nobody went on to say a command).
/// </summary>
public sealed record ImplicitSignals(long Repeats, long Unanswered);
