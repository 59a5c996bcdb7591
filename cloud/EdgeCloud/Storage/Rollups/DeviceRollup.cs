namespace EdgeCloud.Storage;

/// <summary>One cloud instance's share of one device's hour: the merged profile of the windows it rolled up.</summary>
public sealed record DeviceRollup(string DeviceId, DateTimeOffset Hour, string Instance, long Windows, byte[] Profile);
