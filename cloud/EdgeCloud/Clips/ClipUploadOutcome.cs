namespace EdgeCloud.Clips;

/// <summary>What became of one upload: the HTTP status the device gets, the clip id when there is one, and what was wrong otherwise.</summary>
public sealed record ClipUploadOutcome(int Status, string? ClipId, string? Reason, string? Problem)
{
    public static ClipUploadOutcome Stored(string id) => new(StatusCodes.Status201Created, id, null, null);

    public static ClipUploadOutcome Duplicate(string id) => new(StatusCodes.Status200OK, id, null, null);

    public static ClipUploadOutcome Refused(int status, string reason, string problem) => new(status, null, reason, problem);
}

/// <summary>Why an upload was refused (the keys of <c>GET /api/clips/stats</c>'s <c>rejected</c>).</summary>
public static class ClipRejections
{
    public const string TooLarge = "too-large";
    public const string PolicyOff = "policy-off";
    public const string NotAnEnvelope = "not-an-envelope";
    public const string WrongDevice = "wrong-device";
    public const string Invalid = "invalid";
    public const string Quota = "quota";
}
