using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Invalidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>Mints a short-lived turn JWT, as an outside minter holding a signing key would.</summary>
public static class TurnTokensApi
{
    private const int DefaultTtlSeconds = 300;

    public sealed record TurnTokenRequest(string? Subject, IReadOnlyList<string?>? Libraries, string? Workspace, int? TtlSeconds);

    public static void MapTurnTokensApi(this RouteGroupBuilder admin) => admin.MapPost("/turn-tokens", MintAsync)
        .WithSummary("Mint a short-lived turn JWT for a subject and a list of libraries.");

    private static async Task<Results<Created<JwtMinter.Minted>, ProblemHttpResult>> MintAsync(
        TurnTokenRequest body, HttpContext context, JwtMinter minter, IOptions<AuthOptions> options, TimeProvider time,
        CancellationToken cancellationToken)
    {
        InvalidationReach.Declare(context, InvalidationReach.Nothing);
        var settings = options.Value;
        var ttl = body.TtlSeconds ?? Math.Min(DefaultTtlSeconds, settings.MaxTurnTokenLifetimeSeconds);
        var error = Fields.RequiredText(body.Subject, "subject", Limits.IdentifierLength)
            ?? Fields.TextList(body.Libraries, "libraries", required: true, Limits.IdentifierLength)
            ?? (body.Workspace is not null ? Fields.RequiredText(body.Workspace, "workspace", Limits.IdentifierLength) : null)
            ?? (ttl < 1 || ttl > settings.MaxTurnTokenLifetimeSeconds
                ? $"Field 'ttlSeconds' must be 1 to {settings.MaxTurnTokenLifetimeSeconds}."
                : null);
        if (error is not null)
        {
            return Problems.BadRequest(error);
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var jti = Guid.NewGuid().ToString("D");
        var token = await minter.SignAsync(new Dictionary<string, object?>
        {
            ["iss"] = settings.TurnIssuer,
            ["sub"] = body.Subject,
            ["jti"] = jti,
            ["iat"] = now,
            ["exp"] = now + ttl,
            ["libs"] = Fields.Distinct(body.Libraries!),
            ["ws"] = body.Workspace,
        }, cancellationToken);
        return token is null
            ? Problems.Conflict(JwtMinter.NoActiveKey)
            : TypedResults.Created((string?)null, new JwtMinter.Minted(token, jti, DateTimeOffset.FromUnixTimeSeconds(now + ttl)));
    }
}
