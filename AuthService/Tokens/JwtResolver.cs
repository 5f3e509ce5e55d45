using System.Text.Json;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Libraries;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Resolves turn and team JWTs. Turn: scope is the <c>libs</c> claim, after the shared replay check (no Postgres).
/// Team: valid only while the team is active and its active jti is this token's; scope is resolved live from the
/// team's workspaces (<see cref="TeamScopes"/>, <see cref="WorkspaceLibraries"/>). Both act as the service user, which must be active.
/// </summary>
public sealed class JwtResolver(
    JwtValidator validator,
    JtiReplayCache replayCache,
    SigningKeyRing keys,
    AuthDbContext db,
    TeamScopes teams,
    WorkspaceLibraries libraries,
    IOptions<AuthOptions> options)
{
    public async Task<Resolution> ResolveAsync(string bearer, JsonElement header, CancellationToken cancellationToken)
    {
        await keys.CatchUpAsync(cancellationToken);
        if (header.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String
            && kid.GetString() is { Length: > 0 } name && keys.Find(name) is null)
        {
            await keys.FindAfterRereadAsync(name, cancellationToken);
        }

        var jwt = validator.Validate(bearer, header);
        if (!jwt.IsTeam && await replayCache.IsReplayAsync(jwt.Jti, jwt.ExpiresAt, cancellationToken))
        {
            throw new AuthException(AuthFailure.Replay, jwt.Caller);
        }

        if (!keys.ServiceUserActive)
        {
            throw new AuthException(AuthFailure.ServiceUserUnavailable, jwt.Caller);
        }

        var user = options.Value.ServiceUsername;
        if (!jwt.IsTeam)
        {
            return new Resolution("turn", jwt.Caller.Principal, user, jwt.Libraries, null, jwt.ExpiresAt, options.Value.RateLimit.PerMinute,
                [Dependency.SigningKey(jwt.Kid), Dependency.User(user)]);
        }

        var (scope, rateLimit, workspaces) = await TeamLibrariesAsync(jwt, cancellationToken);
        return new Resolution("team", jwt.Subject, user, scope, null, jwt.ExpiresAt, rateLimit ?? options.Value.RateLimit.PerMinute,
            [Dependency.SigningKey(jwt.Kid), Dependency.User(user), Dependency.Team(jwt.TeamId), .. workspaces.Select(Dependency.Workspace)]);
    }

    private async Task<(IReadOnlyList<string> Libraries, int? RateLimitPerMinute, List<string> Workspaces)> TeamLibrariesAsync(
        ValidatedJwt jwt, CancellationToken cancellationToken)
    {
        var team = await teams.TeamAsync(db, jwt.TeamId, cancellationToken)
            ?? throw new AuthException(AuthFailure.InvalidToken, jwt.Caller);

        if (!team.Active)
        {
            throw new AuthException(AuthFailure.Deactivated, jwt.Caller);
        }

        if (team.ActiveJti != jwt.Jti)
        {
            throw new AuthException(AuthFailure.InvalidToken, jwt.Caller);
        }

        return (await libraries.LibrariesInAsync(team.Workspaces, cancellationToken), team.RateLimitPerMinute, team.Workspaces);
    }
}
