using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using EdgeAgent.Contracts;
using EdgeCloud.Mqtt;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Api;

/// <summary>
/// API keys in the <c>X-Api-Key</c> header, each with one role: viewer, labeler, operator or admin; and devices by HTTP Basic
/// authentication with their MQTT credentials (role device: they may only read the model registry).
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ICloudStore store,
    IOptions<CloudOptions> cloud) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return await AuthenticateDeviceAsync();
        }

        if (await FindAsync(values[0]!, store, cloud.Value, Context.RequestAborted) is not { } found)
        {
            return AuthenticateResult.Fail("unknown API key");
        }

        return Success(found.Name, found.Role);
    }

    /// <summary>The name and role of an API key (the configured admin key, or one made with POST /api/apikeys); null when unknown.</summary>
    public static async Task<(string Name, string Role)?> FindAsync(string key, ICloudStore store, CloudOptions cloud, CancellationToken cancellationToken)
    {
        if (cloud.AdminApiKey is { Length: > 0 } admin
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Hash(key)), Encoding.UTF8.GetBytes(Hash(admin))))
        {
            return ("admin (configured)", Roles.Admin);
        }

        return await store.FindApiKeyAsync(Hash(key), cancellationToken) is { } record ? (record.Name, record.Role) : null;
    }

    private async Task<AuthenticateResult> AuthenticateDeviceAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return AuthenticateResult.Fail("malformed Basic credentials");
        }

        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        string deviceId = colon > 0 ? decoded[..colon] : "";
        if (!Topics.IsValidDeviceId(deviceId) || await store.GetDeviceAsync(deviceId, Context.RequestAborted) is not { } device
            || !DeviceCredentials.Matches(decoded[(colon + 1)..], device.PasswordHash))
        {
            return AuthenticateResult.Fail("unknown device or wrong password");
        }

        return Success("device " + deviceId, Roles.Device, deviceId);
    }

    /// <summary>The authenticated device's id (role device), null for an API key.</summary>
    public static string? DeviceId(ClaimsPrincipal user) => user.IsInRole(Roles.Device) ? user.FindFirstValue(ClaimTypes.NameIdentifier) : null;

    private static AuthenticateResult Success(string name, string role, string? deviceId = null)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], SchemeName);
        if (deviceId is not null)
        {
            identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, deviceId));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    /// <summary>Lists, listens to, labels and exports clips (nothing else: not a viewer of the fleet); operators and admins may too.</summary>
    public const string Labeler = "labeler";

    /// <summary>A device (HTTP Basic with its MQTT credentials): reads model manifests and files, its clip policy, and uploads clips.</summary>
    public const string Device = "device";

    /// <summary>The policy of the registry's read endpoints: any API role, or a device.</summary>
    public const string ModelReader = "model-reader";

    public static IReadOnlyList<string> All { get; } = [Viewer, Labeler, Operator, Admin];

    /// <summary>Authorization policies: each role includes the ones below it.</summary>
    public static void AddPolicies(Microsoft.AspNetCore.Authorization.AuthorizationOptions o)
    {
        o.AddPolicy(Viewer, p => p.RequireRole(Viewer, Operator, Admin));
        o.AddPolicy(Operator, p => p.RequireRole(Operator, Admin));
        o.AddPolicy(Admin, p => p.RequireRole(Admin));
        o.AddPolicy(Labeler, p => p.RequireRole(Labeler, Operator, Admin));
        o.AddPolicy(Device, p => p.RequireRole(Device));
        o.AddPolicy(ModelReader, p => p.RequireRole(Viewer, Operator, Admin, Device));
    }
}
