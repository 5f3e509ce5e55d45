using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// Mnemosyne as the authorization server MCP clients sign in with (CONTRACT §10), section <c>Auth:AuthorizationServer</c>.
/// Both services bind it: auth-service issues the tokens, mcp-host serves the endpoints on its origin and lists the
/// issuer first in its RFC 9728 metadata. The issuer is mcp-host's public origin and cannot be guessed from inside
/// auth-service (which is internal), so it is configuration — the AppHost passes mcp-host's endpoint to both — and an
/// enabled server without it stops the service at start, saying so.
/// </summary>
public sealed class AuthorizationServerOptions : IValidatableObject
{
    public const string SectionName = "Auth:AuthorizationServer";

    /// <summary>The scope every tool call needs, and the only one besides <c>offline_access</c> clients may ask for.</summary>
    public const string ReadScope = "mnemosyne.read";

    public bool Enabled { get; set; } = true;

    /// <summary>mcp-host's public origin (<c>https://mcp.example.com</c>; locally <c>http://localhost:5190</c>).</summary>
    public string? Issuer { get; set; }

    /// <summary>Lifetime of an access token, in minutes (1–10).</summary>
    [Range(1, 10, ErrorMessage = "Auth:AuthorizationServer:AccessTokenMinutes must be between 1 and 10.")]
    public int AccessTokenMinutes { get; set; } = 5;

    /// <summary>
    /// The development sign-in page (pick or create a local user): honoured only in the Development environment and
    /// for loopback callers, so that one <c>dotnet run</c> signs in with no outside identity provider.
    /// </summary>
    public bool DevelopmentSignIn { get; set; } = true;

    /// <summary>RFC 7591 dynamic client registration; unset: on in Development, off otherwise.</summary>
    public bool? AllowDynamicRegistration { get; set; }

    /// <summary>
    /// Fetch client ID metadata documents also from private, loopback, link-local and other special-use addresses
    /// (checked after DNS resolution, on the very addresses then connected to). Off by default: a client_id URL must not make the
    /// authorization server reach into its own network. On only where the clients' documents are served internally.
    /// </summary>
    public bool AllowPrivateClientMetadata { get; set; }

    /// <summary>The organisation's identity providers users sign in with (<see cref="UpstreamProvider"/>); may be empty.</summary>
    public List<UpstreamProvider> Upstream { get; set; } = [];

    /// <summary>The issuer as OpenIddict writes it in <c>iss</c> and the metadata: the origin with a trailing slash.</summary>
    /// <remarks>Methods, not properties: the configuration binder reads every property, also before validation.</remarks>
    public Uri IssuerUri() => new(new Uri(Issuer!, UriKind.Absolute).GetLeftPart(UriPartial.Authority) + "/");

    /// <summary>The one resource tokens are issued for (RFC 8707 <c>resource</c> → <c>aud</c>): mcp-host's <c>/mcp</c>.</summary>
    public string Resource() => new Uri(IssuerUri(), "mcp").AbsoluteUri;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Issuer))
        {
            yield return new ValidationResult(
                "Auth:AuthorizationServer:Issuer is not set: set it to mcp-host's public origin (the AppHost passes it), " +
                "or set Auth__AuthorizationServer__Enabled=false.");
            yield break;
        }

        if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)))
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            yield return new ValidationResult(
                $"Auth:AuthorizationServer:Issuer must be an origin (https, or http on a loopback host; no path or query), got '{Issuer}'.");
            yield break;
        }

        foreach (var error in ValidateUpstream())
        {
            yield return error;
        }
    }

    private IEnumerable<ValidationResult> ValidateUpstream()
    {
        for (var n = 0; n < Upstream.Count; n++)
        {
            var upstream = Upstream[n];
            var name = $"{SectionName}:Upstream:{n}";
            if (upstream.Issuer.Length > UpstreamProvider.MaxIssuerLength
                || !Uri.TryCreate(upstream.Issuer, UriKind.Absolute, out var uri)
                || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)))
                || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                yield return new ValidationResult(
                    $"{name}:Issuer must be an absolute https URL (http only for a loopback host; no query or fragment; at most {UpstreamProvider.MaxIssuerLength} characters), got '{upstream.Issuer}'.");
                continue;
            }

            if (uri.GetLeftPart(UriPartial.Authority) + "/" == IssuerUri().AbsoluteUri)
            {
                yield return new ValidationResult($"{name}:Issuer is this authorization server itself (mcp-host's origin).");
            }

            if (string.IsNullOrWhiteSpace(upstream.ClientId))
            {
                yield return new ValidationResult($"{name}:ClientId is required: the client id of Mnemosyne's registration at '{upstream.Issuer}'.");
            }

            if (string.IsNullOrWhiteSpace(upstream.GroupsClaim))
            {
                yield return new ValidationResult($"{name}:GroupsClaim must not be empty (default 'groups').");
            }

            if (upstream.Scopes.Any(s => string.IsNullOrWhiteSpace(s) || s.Contains(' ', StringComparison.Ordinal)))
            {
                yield return new ValidationResult($"{name}:Scopes must each be one scope (not empty, no spaces).");
            }
        }

        var valid = Upstream.Where(u => Uri.TryCreate(u.Issuer, UriKind.Absolute, out _)).ToList();
        if (valid.Select(u => u.IssuerUri().AbsoluteUri).Distinct(StringComparer.Ordinal).Count() != valid.Count)
        {
            yield return new ValidationResult($"{SectionName}:Upstream lists the same issuer twice.");
        }
        else if (valid.Select(u => u.Name()).Distinct(StringComparer.Ordinal).Count() != valid.Count)
        {
            yield return new ValidationResult(
                $"{SectionName}:Upstream has two issuers with the same callback name ({string.Join(", ", valid.Select(u => u.Name()))}).");
        }
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address));
}
