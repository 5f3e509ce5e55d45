using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>Resolves an opaque token by the SHA-256 of the bearer (the plaintext is never stored or compared).</summary>
public sealed class OpaqueTokenResolver(AuthDbContext db, TokenUsageRecorder usage, TimeProvider time)
{
    public async Task<Resolution> ResolveAsync(string bearer, CancellationToken cancellationToken)
    {
        if (!OpaqueTokenFormat.HasShape(bearer))
        {
            throw new AuthException(AuthFailure.InvalidToken);
        }

        var hash = OpaqueTokenFormat.Hash(bearer);
        var token = await db.OpaqueTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash)
            .Select(t => new
            {
                t.Id, t.Prefix, t.Libraries, t.Tools, t.ExpiresAt, t.Active,
                Username = t.User!.Username, UserActive = t.User.Active,
            })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new AuthException(AuthFailure.InvalidToken);

        var now = time.GetUtcNow();
        if (!token.Active)
        {
            throw new AuthException(AuthFailure.Deactivated);
        }

        if (token.ExpiresAt is { } expiresAt && expiresAt < now)
        {
            throw new AuthException(AuthFailure.Expired);
        }

        if (!token.UserActive)
        {
            throw new AuthException(AuthFailure.UserDisabled);
        }

        usage.Record(token.Id, now);
        return new Resolution("opaque", "mcptoken:" + OpaqueTokenFormat.Masked(token.Prefix), token.Username,
            token.Libraries, token.Tools, token.ExpiresAt);
    }
}
