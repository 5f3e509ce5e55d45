using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Tokens;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// What a signature cannot say about an access token this authorization server issued: whether it was revoked since.
/// Its row in authdb (OpenIddict's <c>oi_tkn_id</c>) must still be valid — revoking a grant, blocking a client and a
/// reused refresh token all revoke it there — its client must not be blocked, and its user must exist and be active.
/// One query on each resolve of such a token; the decision cache holds the answer, and the admin changes that revoke
/// invalidate every replica's cache before they answer (CONTRACT §9).
/// </summary>
public sealed class IssuedTokenStatus(AuthDbContext db)
{
    private sealed record State(bool UserActive, bool TokenValid, bool ClientBlocked);

    private static readonly Func<AuthDbContext, string, string, string, Task<State?>> Query =
        EF.CompileAsyncQuery((AuthDbContext db, string username, string tokenId, string clientId) =>
            db.Users.Where(u => u.Username == username)
                .Select(u => new State(
                    u.Active,
                    db.Set<OpenIddictEntityFrameworkCoreToken>().Any(t => t.Id == tokenId && t.Status == Statuses.Valid),
                    db.OAuthClientBlocks.Any(b => b.ClientId == clientId)))
                .FirstOrDefault());

    /// <summary>Throws the refusal (naming <paramref name="caller"/>) unless the token still stands.</summary>
    public async Task EnsureValidAsync(AccessToken token, Caller caller, CancellationToken cancellationToken)
    {
        if (token.TokenId is not { } tokenId || token.ClientId is not { } clientId)
        {
            throw new AuthException(AuthFailure.InvalidClaims("An access token of this authorization server must carry client_id and oi_tkn_id."), caller);
        }

        var state = await Query(db, token.Subject, tokenId, clientId);
        if (state is not { UserActive: true })
        {
            throw new AuthException(AuthFailure.UserDisabled, caller);
        }

        if (!state.TokenValid || state.ClientBlocked)
        {
            throw new AuthException(AuthFailure.Deactivated, caller);
        }
    }
}
