using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Tests.Unit;

/// <summary>Where an issuer's metadata is looked for: OIDC Discovery appends, RFC 8414 inserts before the path.</summary>
public sealed class OAuthMetadataRetrieverTests
{
    [Theory]
    [InlineData("https://idp.example", "https://idp.example/.well-known/openid-configuration")]
    [InlineData("https://idp.example/", "https://idp.example/.well-known/openid-configuration")]
    [InlineData("https://login.microsoftonline.com/tid/v2.0", "https://login.microsoftonline.com/tid/v2.0/.well-known/openid-configuration")]
    public void OpenID_Connect_discovery_appends_the_well_known_suffix(string issuer, string expected) =>
        Assert.Equal(expected, OAuthMetadataRetriever.OpenIdConnectUrl(issuer));

    [Theory]
    [InlineData("https://idp.example", "https://idp.example/.well-known/oauth-authorization-server")]
    [InlineData("https://idp.example/", "https://idp.example/.well-known/oauth-authorization-server")]
    [InlineData("https://kc.example:8443/realms/acme", "https://kc.example:8443/.well-known/oauth-authorization-server/realms/acme")]
    public void RFC_8414_inserts_the_well_known_segment_before_the_issuer_path(string issuer, string expected) =>
        Assert.Equal(expected, OAuthMetadataRetriever.OAuthServerUrl(issuer));
}
