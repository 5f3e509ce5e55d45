using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Reads an issuer's metadata and JWKS for <see cref="ConfigurationManager{T}"/>: OIDC discovery at
/// <c>&lt;issuer&gt;/.well-known/openid-configuration</c>, falling back to RFC 8414
/// <c>/.well-known/oauth-authorization-server</c> (issuers that are OAuth servers only). The library's retriever
/// parses both documents and loads the keys; what it lacks, and what this adds, is the fallback and the RFC 8414 §3.3
/// check that the document's <c>issuer</c> is exactly the configured one (else a metadata mix-up would be trusted).
/// The address given by the manager is the issuer itself.
/// </summary>
public sealed class OAuthMetadataRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(
        string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await OpenIdConnectConfigurationRetriever.GetAsync(OpenIdConnectUrl(address), retriever, cancel);
        }
        catch (IOException)
        {
            configuration = await OpenIdConnectConfigurationRetriever.GetAsync(OAuthServerUrl(address), retriever, cancel);
        }

        if (!string.Equals(configuration.Issuer, address, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"The metadata of '{address}' names issuer '{configuration.Issuer}': it must name the configured issuer exactly.");
        }

        return configuration;
    }

    /// <summary>OIDC Discovery §4: the well-known suffix appended to the issuer.</summary>
    public static string OpenIdConnectUrl(string issuer) => issuer.TrimEnd('/') + "/.well-known/openid-configuration";

    /// <summary>RFC 8414 §3.1: the well-known segment inserted between the host and the issuer's path.</summary>
    public static string OAuthServerUrl(string issuer)
    {
        var uri = new Uri(issuer);
        return uri.GetLeftPart(UriPartial.Authority) + "/.well-known/oauth-authorization-server" + uri.AbsolutePath.TrimEnd('/');
    }
}
