using Mnemosyne.ServiceDefaults.Invalidation;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.AuthorizationServer;
using Mnemosyne.AuthService.Data;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// The authorization server's clients (CONTRACT §10): list them, block one — its grants and tokens are revoked and it
/// is refused at sign-in and at the token endpoint until unblocked; the admin group makes it immediate on every
/// replica (§9) and audits it (<c>oauth-client.block</c>) — and unblock it (its revoked grants stay revoked).
/// </summary>
public static class OAuthClientsApi
{
    public sealed record ClientSummary(
        string ClientId, string? Name, string Kind, IReadOnlyList<string> RedirectUris, bool Blocked, DateTimeOffset? CreatedAt);

    public static void MapOAuthClientsApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/oauth/clients", ListAsync).WithSummary("List the OAuth clients that registered (dcr) or signed in by their metadata document (cimd).");
        admin.MapPost("/oauth/clients/{clientId}/block", BlockAsync)
            .WithSummary("Block a client (clientId URL-encoded): its grants and tokens are revoked everywhere before this answers.");
        admin.MapPost("/oauth/clients/{clientId}/unblock", UnblockAsync)
            .WithSummary("Unblock a client: it may sign users in again (grants revoked by the block stay revoked).");
    }

    private static async Task<Ok<List<ClientSummary>>> ListAsync(AuthDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking()
            .OrderBy(a => a.ClientId)
            .Select(a => new
            {
                a.ClientId, a.DisplayName, a.RedirectUris, a.Properties,
                Blocked = db.OAuthClientBlocks.Any(b => b.ClientId == a.ClientId),
            })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(a => new ClientSummary(a.ClientId!, a.DisplayName, KindOf(a.ClientId!),
            a.RedirectUris is { Length: > 0 } uris ? JsonSerializer.Deserialize<List<string>>(uris)! : [],
            a.Blocked, ClientCreatedAt.Read(a.Properties))).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> BlockAsync(HttpContext context, AuthDbContext db,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations, IOpenIddictTokenManager tokens,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var clientId = ClientIdOf(context);
        if (clientId is null || await applications.FindByClientIdAsync(clientId, cancellationToken) is not { } application)
        {
            return Problems.NotFound($"No OAuth client '{clientId}'.");
        }

        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO "OAuthClientBlocks" ("ClientId", "BlockedAt") VALUES ({clientId}, {time.GetUtcNow()})
            ON CONFLICT ("ClientId") DO NOTHING
            """,
            cancellationToken);
        var id = await applications.GetIdAsync(application, cancellationToken);
        InvalidationReach.Declare(context, InvalidationReach.Of(Dependency.Client(clientId)));
        await authorizations.RevokeByApplicationIdAsync(id!, cancellationToken);
        await tokens.RevokeByApplicationIdAsync(id!, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnblockAsync(HttpContext context, AuthDbContext db,
        IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var clientId = ClientIdOf(context);
        if (clientId is null || await applications.FindByClientIdAsync(clientId, cancellationToken) is null)
        {
            return Problems.NotFound($"No OAuth client '{clientId}'.");
        }

        InvalidationReach.Declare(context, InvalidationReach.Nothing);
        await db.OAuthClientBlocks.Where(b => b.ClientId == clientId).ExecuteDeleteAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary><c>cimd</c> for a client identified by its metadata document's URL, <c>dcr</c> for a registered one.</summary>
    private static string KindOf(string clientId) =>
        clientId.StartsWith("https://", StringComparison.Ordinal) || clientId.StartsWith("http://", StringComparison.Ordinal)
            ? "cimd"
            : "dcr";

    /// <summary>
    /// The <c>{clientId}</c> segment decoded exactly once, from the request's raw target: a metadata document's URL
    /// arrives as <c>https%3A%2F%2F…</c>, and the server leaves <c>%2F</c> encoded in the route value (while decoding
    /// everything else), so decoding the route value again would be wrong for an id that holds a <c>%</c>.
    /// </summary>
    private static string? ClientIdOf(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        var path = raw.Split('?', 2)[0].Split('/');
        var at = Array.IndexOf(path, "clients");
        return at >= 0 && at + 1 < path.Length && path[at + 1].Length is > 0 and <= Limits.ClientIdLength * 3
            ? Uri.UnescapeDataString(path[at + 1])
            : null;
    }
}
