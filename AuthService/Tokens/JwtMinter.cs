using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>Signs team and turn JWTs (HS256) with the newest active signing key.</summary>
public sealed class JwtMinter(AuthDbContext db, SecretProtector protector)
{
    public sealed record Minted(string Token, string Jti, DateTimeOffset ExpiresAt);

    /// <summary>
    /// Signs <paramref name="claims"/> (which must hold <c>jti</c>); null when there is no active key to sign with.
    /// </summary>
    public async Task<string?> SignAsync(IReadOnlyDictionary<string, object?> claims, CancellationToken cancellationToken)
    {
        var key = await db.SigningKeys.AsNoTracking()
            .Where(k => k.RetiredAt == null)
            .OrderByDescending(k => k.Sequence)
            .FirstOrDefaultAsync(cancellationToken);
        var secret = key is null ? null : protector.Unprotect(key.Kid, key.EncryptedSecret);
        if (key is null || secret is null)
        {
            return null;
        }

        var header = new Dictionary<string, string> { ["alg"] = "HS256", ["typ"] = "JWT", ["kid"] = key.Kid };
        var signingInput = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header)) + "."
            + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    public const string NoActiveKey = "No active signing key: create one with POST /admin/v1/signing-keys.";
}
