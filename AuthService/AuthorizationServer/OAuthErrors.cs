using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// A refusal from a passthrough handler in OAuth's own shape: OpenIddict turns the forbid into the RFC 6749 error
/// response (a redirect back to the client from the authorization endpoint, a 400 JSON body from the token endpoint).
/// </summary>
public static class OAuthErrors
{
    public static IResult Refuse(string error, string description) =>
        TypedResults.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>For a client an operator blocked (<c>POST /admin/v1/oauth/clients/{clientId}/block</c>).</summary>
    public static IResult BlockedClient() =>
        Refuse(OpenIddict.Abstractions.OpenIddictConstants.Errors.UnauthorizedClient, "An administrator has blocked this client.");
}
