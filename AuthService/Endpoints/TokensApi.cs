using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Invalidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>Opaque tokens: mint (the plaintext is in this answer only), list, deactivate.</summary>
public static class TokensApi
{
    public sealed record CreateTokenRequest(
        string? Username, string? Name, IReadOnlyList<string?>? Libraries, IReadOnlyList<string?>? Tools,
        DateTimeOffset? ExpiresAt, int? RateLimitPerMinute = null);

    public sealed record TokenCreated(Guid Id, string Token, string Prefix);

    public sealed record TokenSummary(
        Guid Id, string Name, string Prefix, string Username, IReadOnlyList<string> Libraries,
        IReadOnlyList<string>? Tools, bool Active, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, long UseCount);

    public static void MapTokensApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/tokens", CreateAsync).WithSummary("Mint an opaque mnm_ token for a user. The token is in this answer only.");
        admin.MapGet("/tokens", ListAsync).WithSummary("List opaque tokens (optionally one user's), with usage; never the token.");
        admin.MapPost("/tokens/{id:guid}/deactivate", DeactivateAsync).WithSummary("Deactivate an opaque token.");
    }

    private static async Task<Results<Created<TokenCreated>, ProblemHttpResult>> CreateAsync(
        CreateTokenRequest body, HttpContext context, AuthDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        InvalidationReach.Declare(context, InvalidationReach.Nothing);
        var error = Fields.Username(body.Username, Limits.NameLength)
            ?? Fields.RequiredText(body.Name, "name", Limits.NameLength)
            ?? Fields.TextList(body.Libraries, "libraries", required: true, Limits.IdentifierLength)
            ?? Fields.TextList(body.Tools, "tools", required: false, Limits.ToolNameLength)
            ?? Fields.RateLimit(body.RateLimitPerMinute);
        var now = time.GetUtcNow();
        if (error is null && body.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            error = "Field 'expiresAt' must be in the future.";
        }

        if (error is not null)
        {
            return Problems.BadRequest(error);
        }

        var user = await db.Users.AsNoTracking().Where(u => u.Username == body.Username)
            .Select(u => new { u.Id, u.Active }).SingleOrDefaultAsync(cancellationToken);
        if (user is null)
        {
            return Problems.NotFound($"User '{body.Username}' does not exist.");
        }

        if (!user.Active)
        {
            return Problems.Conflict($"User '{body.Username}' is deactivated; activate it before minting tokens.");
        }

        var plaintext = OpaqueTokenFormat.Generate();
        var token = new OpaqueToken
        {
            Id = Guid.CreateVersion7(),
            UserId = user.Id,
            Name = body.Name!,
            Prefix = OpaqueTokenFormat.Prefix(plaintext),
            TokenHash = OpaqueTokenFormat.Hash(plaintext),
            Libraries = Fields.Distinct(body.Libraries!),
            Tools = body.Tools is null ? null : Fields.Distinct(body.Tools),
            ExpiresAt = body.ExpiresAt?.ToUniversalTime(),
            RateLimitPerMinute = body.RateLimitPerMinute,
            CreatedAt = now,
        };
        db.OpaqueTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/admin/v1/tokens/{token.Id}", new TokenCreated(token.Id, plaintext, token.Prefix));
    }

    private static async Task<Results<Ok<List<TokenSummary>>, ProblemHttpResult>> ListAsync(
        string? username, AuthDbContext db, TokenUsageRecorder usage, CancellationToken cancellationToken)
    {
        var query = db.OpaqueTokens.AsNoTracking();
        if (username is not null)
        {
            if (!await db.Users.AnyAsync(u => u.Username == username, cancellationToken))
            {
                return Problems.NotFound($"User '{username}' does not exist.");
            }

            query = query.Where(t => t.User!.Username == username);
        }

        var rows = await query.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id)
            .Select(t => new TokenSummary(t.Id, t.Name, t.Prefix, t.User!.Username, t.Libraries, t.Tools, t.Active,
                t.ExpiresAt, t.LastUsedAt, t.UseCount))
            .ToListAsync(cancellationToken);

        // Include the usage this instance has counted but not written yet.
        return TypedResults.Ok(rows.ConvertAll(row => usage.Pending(row.Id) is { } pending
            ? row with
            {
                UseCount = row.UseCount + pending.Count,
                LastUsedAt = row.LastUsedAt > pending.LastUsedAt ? row.LastUsedAt : pending.LastUsedAt,
            }
            : row));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeactivateAsync(
        Guid id, HttpContext context, AuthDbContext db, CancellationToken cancellationToken)
    {
        if (await db.OpaqueTokens.Where(t => t.Id == id).Select(t => t.TokenHash).SingleOrDefaultAsync(cancellationToken) is { } hash)
        {
            InvalidationReach.Declare(context, InvalidationReach.Of(Dependency.Token(Convert.ToHexStringLower(hash))));
        }

        var updated = await db.OpaqueTokens.Where(t => t.Id == id)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Active, false), cancellationToken);
        return updated == 0 ? Problems.NotFound($"Token '{id}' does not exist.") : TypedResults.NoContent();
    }
}
