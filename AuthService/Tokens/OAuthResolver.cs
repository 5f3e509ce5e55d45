using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.AuthorizationServer;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Libraries;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Resolves an OAuth access token (CONTRACT §6): after <see cref="OAuthValidator"/>, the required scope (403
/// <c>insufficient_scope</c> without it); the scope is the libraries of every active team whose groups intersect the
/// token's groups, resolved live on each call (no matching team = nothing visible). A token of Mnemosyne's own
/// authorization server must also still stand in authdb (<see cref="IssuedTokenStatus"/>: not revoked, client not
/// blocked, user active).
/// </summary>
public sealed class OAuthResolver(
    OAuthValidator validator,
    AuthDbContext db,
    ILibraryDirectory libraries,
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
        if (token.Groups.Count > 0)
        {
            var workspaces = await WorkspacesOfGroups(db, [.. token.Groups]).ToListAsync(cancellationToken);
            scope = workspaces.Count == 0 ? [] : await libraries.LibrariesInWorkspacesAsync(workspaces, cancellationToken);
        }

        // The OAuth subject's own budget: the default (team overrides budget team tokens, not their members).
        return new Resolution("oauth", "oauth:" + identity, identity, scope, null, token.ExpiresAt, authOptions.Value.RateLimit.PerMinute);
    }
}
