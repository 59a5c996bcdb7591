namespace EdgeCloud.Rollouts;

/// <summary>A device that did not reach the step's evidence within its deadline after being asked: stored as FAILED.</summary>
public sealed record SilentDevice(string DeviceId, RolloutDeviceReport Report);
