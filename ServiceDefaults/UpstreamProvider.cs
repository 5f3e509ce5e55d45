using System.Text;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// One identity provider users sign in with at Mnemosyne's authorization server (CONTRACT §10),
/// <c>Auth:AuthorizationServer:Upstream:n</c>: an OpenID Connect issuer and Mnemosyne's client registration there.
/// A client secret makes it a confidential client; without one it is a public client (PKCE either way).
/// </summary>
public sealed class UpstreamProvider
{
    /// <summary>Longest issuer URL accepted (it is half of the key of every account joined to a local user).</summary>
    public const int MaxIssuerLength = 1024;

    /// <summary>The exact issuer (<c>iss</c>); its metadata is read from <c>&lt;issuer&gt;/.well-known/openid-configuration</c>.</summary>
    public string Issuer { get; set; } = "";

    public string ClientId { get; set; } = "";

    public string? ClientSecret { get; set; }

    /// <summary>Scopes asked for; none set: <c>openid profile email</c>. <c>openid</c> is always asked for.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Claim of the ID token (or userinfo) holding group ids or role values; Entra ID app roles: <c>roles</c>.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>The button on the sign-in page; unset: the issuer's host.</summary>
    public string? DisplayName { get; set; }

    /// <summary>The issuer as a URI (valid once the options are validated).</summary>
    public Uri IssuerUri() => new(Issuer, UriKind.Absolute);

    /// <summary>What the sign-in page shows.</summary>
    public string Label() => string.IsNullOrWhiteSpace(DisplayName) ? IssuerUri().Authority : DisplayName.Trim();

    /// <summary>
    /// The provider's stable name in Mnemosyne's URLs (<c>/oauth/callback/{name}</c>): its issuer's host, port and
    /// path, lower-case, every run of other characters one <c>-</c> — <c>https://login.microsoftonline.com/&lt;tenant&gt;/v2.0</c>
    /// is <c>login-microsoftonline-com-&lt;tenant&gt;-v2-0</c>. Named after the issuer, not its position in the list or its
    /// display name, so that reordering or renaming the configured providers never changes the redirect URI
    /// registered at the provider.
    /// </summary>
    public string Name()
    {
        var uri = IssuerUri();
        var source = uri.Authority + uri.AbsolutePath;
        var name = new StringBuilder(source.Length);
        foreach (var c in source.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                name.Append(c);
            }
            else if (name.Length > 0 && name[^1] != '-')
            {
                name.Append('-');
            }
        }

        return name.ToString().TrimEnd('-');
    }

    /// <summary>The scopes asked for, <c>openid</c> first.</summary>
    public IReadOnlyList<string> RequestedScopes() =>
        ["openid", .. (Scopes.Count > 0 ? Scopes : ["profile", "email"]).Where(s => s != "openid").Distinct(StringComparer.Ordinal)];
}
