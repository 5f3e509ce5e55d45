using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// The identity providers whose access tokens Mnemosyne accepts (CONTRACT §6), section <c>Auth:OAuth</c>. Both
/// services bind it — auth-service validates the tokens, mcp-host advertises the issuers and the scope — so it lives
/// here, once. Validated at start: each issuer needs an absolute https URL (http only on a loopback host, for local
/// identity providers and tests) and at least one accepted audience, since an access token minted for another
/// resource must never be taken for ours.
/// </summary>
public sealed class OAuthOptions : IValidatableObject
{
    public const string SectionName = "Auth:OAuth";

    public List<OAuthIssuer> Issuers { get; set; } = [];

    /// <summary>Scope every tool call needs, read from <c>scope</c> or <c>scp</c>; empty = no scope check.</summary>
    public string RequiredScope { get; set; } = "mnemosyne.read";

    public bool Enabled => Issuers.Count > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var n = 0; n < Issuers.Count; n++)
        {
            var issuer = Issuers[n];
            var name = $"Auth:OAuth:Issuers:{n}";
            if (!Uri.TryCreate(issuer.Issuer, UriKind.Absolute, out var uri)
                || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri))))
            {
                yield return new ValidationResult(
                    $"{name}:Issuer must be an absolute https URL (http only for a loopback host), got '{issuer.Issuer}'.");
            }

            if (issuer.Audiences.Count == 0 || issuer.Audiences.Any(string.IsNullOrWhiteSpace))
            {
                yield return new ValidationResult(
                    $"{name}:Audiences needs at least one accepted audience (e.g. the MCP resource URL or an Entra ID application id).");
            }

            if (string.IsNullOrWhiteSpace(issuer.GroupsClaim))
            {
                yield return new ValidationResult($"{name}:GroupsClaim must not be empty (default 'groups').");
            }
        }

        if (Issuers.Select(i => i.Issuer).Distinct(StringComparer.Ordinal).Count() != Issuers.Count)
        {
            yield return new ValidationResult("Auth:OAuth:Issuers lists the same issuer twice.");
        }

        if (RequiredScope.Contains(' ', StringComparison.Ordinal))
        {
            yield return new ValidationResult("Auth:OAuth:RequiredScope must be one scope (no spaces).");
        }
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address));
}

/// <summary>One identity provider: its exact <c>iss</c>, the <c>aud</c> values meant for us, and where its groups are.</summary>
public sealed class OAuthIssuer
{
    public string Issuer { get; set; } = "";

    public List<string> Audiences { get; set; } = [];

    /// <summary>Claim holding group ids or role values (string or array); Entra ID app roles: <c>roles</c>.</summary>
    public string GroupsClaim { get; set; } = "groups";
}

public static class OAuthOptionsExtensions
{
    /// <summary>
    /// Binds <see cref="OAuthOptions"/> and <see cref="AuthorizationServerOptions"/>. When Mnemosyne's own authorization
    /// server is enabled, its issuer is the first configured issuer (accepted audience: mcp-host's <c>/mcp</c>, groups in
    /// <c>groups</c>): its tokens are validated like any identity provider's, and mcp-host lists it first.
    /// </summary>
    public static IServiceCollection AddOAuthOptions(this IServiceCollection services)
    {
        services.AddOptions<AuthorizationServerOptions>().BindConfiguration(AuthorizationServerOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OAuthOptions>().BindConfiguration(OAuthOptions.SectionName)
            .PostConfigure<IOptions<AuthorizationServerOptions>>((options, server) =>
            {
                if (server.Value is { Enabled: true, Issuer.Length: > 0 } own
                    && Uri.TryCreate(own.Issuer, UriKind.Absolute, out _))
                {
                    options.Issuers.Insert(0, new OAuthIssuer { Issuer = own.IssuerUri().AbsoluteUri, Audiences = [own.Resource()] });
                }
            })
            .ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
