using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>Resolves an opaque token by the SHA-256 of the bearer (the plaintext is never stored or compared).</summary>
public sealed class OpaqueTokenResolver(AuthDbContext db, IOptions<AuthOptions> options, TimeProvider time)
{
    // Compiled once: this lookup runs on every call, and EF's per-execution query-cache work showed in profiles.
    private static readonly Func<AuthDbContext, byte[], CancellationToken, Task<TokenRow?>> FindByHash =
        EF.CompileAsyncQuery((AuthDbContext db, byte[] hash, CancellationToken _) => db.OpaqueTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash)
            .Select(t => new TokenRow(t.Id, t.Prefix, t.Libraries, t.Tools, t.ExpiresAt, t.Active, t.User!.Username, t.User.Active, t.RateLimitPerMinute))
            .SingleOrDefault());

    private sealed record TokenRow(
        Guid Id, string Prefix, string[] Libraries, string[]? Tools, DateTimeOffset? ExpiresAt, bool Active,
        string Username, bool UserActive, int? RateLimitPerMinute);

    public async Task<Resolution> ResolveAsync(string bearer, CancellationToken cancellationToken)
    {
        if (!OpaqueTokenFormat.HasShape(bearer))
        {
            throw new AuthException(AuthFailure.InvalidToken);
        }

        var hash = OpaqueTokenFormat.Hash(bearer);
        var token = await FindByHash(db, hash, cancellationToken)
            ?? throw new AuthException(AuthFailure.InvalidToken);

        var now = time.GetUtcNow();
        var principal = "mcptoken:" + OpaqueTokenFormat.Masked(token.Prefix);
        if (!token.Active)
        {
            throw new AuthException(AuthFailure.Deactivated, new Caller("opaque", principal));
        }

        if (token.ExpiresAt is { } expiresAt && expiresAt < now)
        {
            throw new AuthException(AuthFailure.Expired, new Caller("opaque", principal));
        }

        if (!token.UserActive)
        {
            throw new AuthException(AuthFailure.UserDisabled, new Caller("opaque", principal));
        }

        return new Resolution("opaque", principal, token.Username,
            token.Libraries, token.Tools, token.ExpiresAt, token.RateLimitPerMinute ?? options.Value.RateLimit.PerMinute,
            [Dependency.Token(Convert.ToHexStringLower(hash)), Dependency.User(token.Username)])
        {
            OpaqueTokenId = token.Id,
        };
    }
}
