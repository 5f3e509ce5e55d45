using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// <c>POST /oauth/token</c> after OpenIddict has checked the grant (code, PKCE verifier, redirect URI, refresh-token
/// rotation and reuse, resource). What OpenIddict cannot know is checked here: the Mnemosyne user the grant was made
/// for still exists and is active, so deactivating a user also stops new access tokens from its refresh tokens, and
/// the client is not blocked.
/// </summary>
public static class TokenEndpoint
{
    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost("/oauth/token", ExchangeAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ExchangeAsync(HttpContext context, AuthDbContext db, CancellationToken cancellationToken)
    {
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal || principal.GetClaim(Claims.Subject) is not { } username)
        {
            return OAuthErrors.Refuse(Errors.InvalidGrant, "The authorization code or refresh token is no longer valid.");
        }

        if (!await db.Users.AnyAsync(u => u.Username == username && u.Active, cancellationToken))
        {
            return OAuthErrors.Refuse(Errors.InvalidGrant, "The user account is disabled.");
        }

        // Blocking revokes the client's tokens too; this also covers a code or refresh token issued as the block landed.
        var clientId = context.GetOpenIddictServerRequest()?.ClientId;
        if (await db.OAuthClientBlocks.AnyAsync(b => b.ClientId == clientId, cancellationToken))
        {
            return OAuthErrors.BlockedClient();
        }

        return TypedResults.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
