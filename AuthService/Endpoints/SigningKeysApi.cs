using Mnemosyne.ServiceDefaults.Invalidation;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// HS256 signing keys. Rotation = create a new key (minting switches to it), then retire the old one once tokens
/// signed with it have expired. The hex secret is in the create answer only, for outside minters.
/// </summary>
public static class SigningKeysApi
{
    private const int SecretBytes = 32;

    public sealed record SigningKeyCreated(string Kid, string Secret);

    public sealed record SigningKeySummary(string Kid, bool Active, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt);

    public static void MapSigningKeysApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/signing-keys", CreateAsync)
            .WithSummary("Create an HS256 signing key; minting switches to it. The hex secret is in this answer only.");
        admin.MapGet("/signing-keys", ListAsync).WithSummary("List signing keys (never their secrets).");
        admin.MapPost("/signing-keys/{kid}/retire", RetireAsync)
            .WithSummary("Retire a key: answers once every replica refuses JWTs signed with it.");
    }

    private static async Task<Created<SigningKeyCreated>> CreateAsync(
        HttpContext context, AuthDbContext db, SecretProtector protector, KeyRingSync keyRing, TimeProvider time,
        CancellationToken cancellationToken)
    {
        InvalidationReach.Declare(context, InvalidationReach.Nothing);
        var kid = "k-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = RandomNumberGenerator.GetBytes(SecretBytes);
        db.SigningKeys.Add(new SigningKey
        {
            Kid = kid, EncryptedSecret = protector.Protect(kid, secret), CreatedAt = time.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        await keyRing.AnnounceAsync(cancellationToken);
        return TypedResults.Created($"/admin/v1/signing-keys/{kid}", new SigningKeyCreated(kid, Convert.ToHexStringLower(secret)));
    }

    private static async Task<Ok<List<SigningKeySummary>>> ListAsync(AuthDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.SigningKeys.AsNoTracking()
            .OrderBy(k => k.Sequence)
            .Select(k => new SigningKeySummary(k.Kid, k.RetiredAt == null, k.CreatedAt, k.RetiredAt))
            .ToListAsync(cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult>> RetireAsync(
        string kid, HttpContext context, AuthDbContext db, KeyRingSync keyRing, TimeProvider time, CancellationToken cancellationToken)
    {
        InvalidationReach.Declare(context, InvalidationReach.Of(Dependency.SigningKey(kid)));
        if (!await db.SigningKeys.AnyAsync(k => k.Kid == kid, cancellationToken))
        {
            return Problems.NotFound($"Signing key '{kid}' does not exist.");
        }

        // Retiring twice keeps the first retirement time.
        await db.SigningKeys.Where(k => k.Kid == kid && k.RetiredAt == null)
            .ExecuteUpdateAsync(k => k.SetProperty(x => x.RetiredAt, time.GetUtcNow()), cancellationToken);
        await keyRing.AnnounceAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
