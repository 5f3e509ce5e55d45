using Mnemosyne.ServiceDefaults.Invalidation;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// The authorization server's grants (CONTRACT §10): what a user consented to, per client — OpenIddict's permanent
/// authorizations that are still valid. Revoking one revokes its refresh and access tokens; the admin group makes it
/// immediate on every replica (§9) and audits it (<c>oauth-grant.revoke</c>); the user is asked to consent again.
/// <c>lastUsedAt</c> is when the grant last issued a token (a sign-in or a refresh).
/// </summary>
public static class OAuthGrantsApi
{
    public sealed record GrantSummary(
        string Id, string Username, string ClientId, IReadOnlyList<string> Scopes, DateTimeOffset? CreatedAt, DateTimeOffset? LastUsedAt);

    public static void MapOAuthGrantsApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/oauth/grants", ListAsync).WithSummary("List the valid OAuth grants (optionally one user's), newest first.");
        admin.MapPost("/oauth/grants/{id}/revoke", RevokeAsync)
            .WithSummary("Revoke a grant: its refresh and access tokens stop working everywhere before this answers.");
    }

    private static async Task<Ok<List<GrantSummary>>> ListAsync(string? username, AuthDbContext db, CancellationToken cancellationToken)
    {
        var grants = db.Set<OpenIddictEntityFrameworkCoreAuthorization>().AsNoTracking()
            .Where(a => a.Status == Statuses.Valid && a.Application != null);
        if (!string.IsNullOrEmpty(username))
        {
            grants = grants.Where(a => a.Subject == username);
        }

        var rows = await grants.OrderByDescending(a => a.CreationDate).ThenBy(a => a.Id)
            .Select(a => new
            {
                a.Id, a.Subject, a.Application!.ClientId, a.Scopes, a.CreationDate,
                LastUsed = a.Tokens.Max(t => t.CreationDate),
            })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(a => new GrantSummary(a.Id!, a.Subject!, a.ClientId!,
            a.Scopes is { Length: > 0 } scopes ? JsonSerializer.Deserialize<List<string>>(scopes)! : [],
            Utc(a.CreationDate), Utc(a.LastUsed))).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string id, HttpContext context,
        IOpenIddictAuthorizationManager authorizations, IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens,
        CancellationToken cancellationToken)
    {
        if (id.Length > Limits.IdentifierLength || await authorizations.FindByIdAsync(id, cancellationToken) is not { } grant)
        {
            return Problems.NotFound($"No OAuth grant '{id}'.");
        }

        // The user's tokens at this client; a grant whose client or user cannot be read reaches everything.
        var user = await authorizations.GetSubjectAsync(grant, cancellationToken);
        var application = await authorizations.GetApplicationIdAsync(grant, cancellationToken) is { } applicationId
            ? await applications.FindByIdAsync(applicationId, cancellationToken)
            : null;
        var client = application is null ? null : await applications.GetClientIdAsync(application, cancellationToken);
        InvalidationReach.Declare(context, user is null || client is null
            ? InvalidationReach.Everything
            : InvalidationReach.Of(Dependency.Grant(client, user)));

        await authorizations.TryRevokeAsync(grant, cancellationToken);
        await tokens.RevokeByAuthorizationIdAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>OpenIddict keeps its dates as UTC <see cref="DateTime"/>s.</summary>
    private static DateTimeOffset? Utc(DateTime? value) =>
        value is { } date ? new DateTimeOffset(DateTime.SpecifyKind(date, DateTimeKind.Utc)) : null;
}
