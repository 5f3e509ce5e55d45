using System.Text.Json;
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
/// token's groups (the teams from <see cref="TeamScopes"/>, their workspaces' libraries from
/// <see cref="WorkspaceLibraries"/>; no matching team = nothing visible). A token of Mnemosyne's own
/// authorization server must also still stand in authdb (<see cref="IssuedTokenStatus"/>: not revoked, client not
/// blocked, user active).
/// </summary>
public sealed class OAuthResolver(
    OAuthValidator validator,
    AuthDbContext db,
    TeamScopes teams,
    WorkspaceLibraries libraries,
    IOptions<OAuthOptions> options,
    IOptions<AuthOptions> authOptions,
    IOptions<AuthorizationServerOptions> authorizationServer,
    IssuedTokenStatus issuedTokens)
{
    private readonly string? _ownIssuer = authorizationServer.Value is { Enabled: true, Issuer.Length: > 0 } own
        ? own.IssuerUri().AbsoluteUri
        : null;

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
            workspaces = await teams.WorkspacesOfGroupsAsync(db, token.Groups, cancellationToken);
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
