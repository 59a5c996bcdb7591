namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// A profile breaks one of the bounds every profile keeps (<see cref="SignalProfile.MaxFrames"/>,
/// <see cref="PredictionProfile.MaxKeywords"/>, counts no larger than the frames they were measured over, moments
/// consistent with their count): raised by decoding and by merging, which leaves the target unchanged.
/// </summary>
public sealed class ProfileBoundsException(string message) : FormatException(message);
