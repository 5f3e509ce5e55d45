using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.AuthorizationServer;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Libraries;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Resolves an OAuth access token (CONTRACT §6): after <see cref="OAuthValidator"/>, the required scope (403
/// <c>insufficient_scope</c> without it); the scope is the libraries of every active team whose groups intersect the
/// token's groups, the teams read on each call and their workspaces' libraries from <see cref="WorkspaceLibraries"/>
/// (no matching team = nothing visible). A token of Mnemosyne's own
/// authorization server must also still stand in authdb (<see cref="IssuedTokenStatus"/>: not revoked, client not
/// blocked, user active).
/// </summary>
public sealed class OAuthResolver(
    OAuthValidator validator,
    AuthDbContext db,
    WorkspaceLibraries libraries,
    IOptions<OAuthOptions> options,
    IOptions<AuthOptions> authOptions,
    IOptions<AuthorizationServerOptions> authorizationServer,
    IssuedTokenStatus issuedTokens)
{
    private readonly string? _ownIssuer = authorizationServer.Value is { Enabled: true, Issuer.Length: > 0 } own
        ? own.IssuerUri().AbsoluteUri
        : null;

    // Compiled once: this lookup runs on every OAuth call. `Any(… Contains …)` is Postgres's array overlap (&&).
    private static readonly Func<AuthDbContext, string[], IAsyncEnumerable<string>> WorkspacesOfGroups =
        EF.CompileAsyncQuery((AuthDbContext db, string[] groups) => db.TeamWorkspaces.AsNoTracking()
            .Where(w => db.Teams.Any(t => t.Id == w.TeamId && t.Active && t.Groups.Any(g => groups.Contains(g))))
            .Select(w => w.WorkspaceId)
            .Distinct());

    public async Task<Resolution> ResolveAsync(string bearer, JsonElement header, OAuthIssuer issuer, CancellationToken cancellationToken)
    {
        var token = await validator.ValidateAsync(bearer, header, issuer, cancellationToken);
        var identity = $"{token.Subject}@{token.IssuerHost}";
        var caller = new Caller("oauth", "oauth:" + identity);
        if (issuer.Issuer == _ownIssuer)
        {
            await issuedTokens.EnsureValidAsync(token, caller, cancellationToken);
        }

        var required = options.Value.RequiredScope;
        if (required.Length > 0 && !token.Scopes.Contains(required))
        {
            throw new AuthException(AuthFailure.InsufficientScope(required), caller);
        }

        IReadOnlyList<string> scope = [];
        List<string> workspaces = [];
        if (token.Groups.Count > 0)
        {
            workspaces = await WorkspacesOfGroups(db, [.. token.Groups]).ToListAsync(cancellationToken);
            scope = await libraries.LibrariesInAsync(workspaces, cancellationToken);
        }

        // The OAuth subject's own budget: the default (team overrides budget team tokens, not their members).
        return new Resolution("oauth", "oauth:" + identity, identity, scope, null, token.ExpiresAt, authOptions.Value.RateLimit.PerMinute,
            DependsOn(token, issuer.Issuer == _ownIssuer, workspaces));
    }

    /// <summary>
    /// The groups (a team that gains or loses one changes what the token sees) and the workspaces they gave; for a token
    /// of this authorization server also its user, its client and the user's grant to that client.
    /// </summary>
    private static List<string> DependsOn(AccessToken token, bool issuedHere, List<string> workspaces)
    {
        List<string> names = [.. token.Groups.Select(Dependency.Group), .. workspaces.Select(Dependency.Workspace)];
        if (issuedHere)
        {
            names.Add(Dependency.User(token.Subject));
            names.Add(Dependency.Client(token.ClientId!));
            names.Add(Dependency.Grant(token.ClientId!, token.Subject));
        }

        return names;
    }
}
