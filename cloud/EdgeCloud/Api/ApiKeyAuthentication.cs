using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeCloud.Api;

/// <summary>API keys in the <c>X-Api-Key</c> header, each with one role: viewer, operator or admin.</summary>
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
            return AuthenticateResult.NoResult();
        }

        string key = values[0]!;
        (string Name, string Role)? found = null;
        if (cloud.Value.AdminApiKey is { Length: > 0 } admin
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Hash(key)), Encoding.UTF8.GetBytes(Hash(admin))))
        {
            found = ("admin (configured)", Roles.Admin);
        }
        else if (await store.FindApiKeyAsync(Hash(key), Context.RequestAborted) is { } record)
        {
            found = (record.Name, record.Role);
        }

        if (found is null)
        {
            return AuthenticateResult.Fail("unknown API key");
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, found.Value.Name), new Claim(ClaimTypes.Role, found.Value.Role)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Admin];

    /// <summary>Authorization policies: each role includes the ones below it.</summary>
    public static void AddPolicies(Microsoft.AspNetCore.Authorization.AuthorizationOptions o)
    {
        o.AddPolicy(Viewer, p => p.RequireRole(Viewer, Operator, Admin));
        o.AddPolicy(Operator, p => p.RequireRole(Operator, Admin));
        o.AddPolicy(Admin, p => p.RequireRole(Admin));
    }
}
