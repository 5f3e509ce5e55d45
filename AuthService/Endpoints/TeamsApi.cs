using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Invalidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// Teams, their workspace assignments and the identity-provider groups mapped to them (CONTRACT §6). A team has one working token at a time: minting a new one revokes the
/// previous one (its jti no longer matches the team's active jti).
/// </summary>
public static class TeamsApi
{
    public sealed record CreateTeamRequest(
        string? Name, IReadOnlyList<string?>? Workspaces, IReadOnlyList<string?>? Groups, int? RateLimitPerMinute = null);

    public sealed record WorkspacesRequest(IReadOnlyList<string?>? Workspaces);

    public sealed record GroupsRequest(IReadOnlyList<string?>? Groups);

    public sealed record RateLimitRequest(int? RateLimitPerMinute);

    /// <summary>CONTRACT §6's team shape, exactly (a rate-limit override is set, not shown: the contract fixes this shape).</summary>
    public sealed record TeamResponse(Guid Id, string Name, IReadOnlyList<string> Workspaces, IReadOnlyList<string> Groups, bool Active);

    public static void MapTeamsApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/teams", CreateAsync).WithSummary("Create a team over a list of workspaces (and identity-provider groups).");
        admin.MapGet("/teams", ListAsync).WithSummary("List teams with their workspaces and groups.");
        admin.MapPut("/teams/{id:guid}/workspaces", SetWorkspacesAsync).WithSummary("Replace a team's workspaces (its token's scope follows at once).");
        admin.MapPut("/teams/{id:guid}/groups", SetGroupsAsync)
            .WithSummary("Replace the identity-provider groups mapped to a team (OAuth users' scope follows at once).");
        admin.MapPut("/teams/{id:guid}/rate-limit", SetRateLimitAsync)
            .WithSummary("Set a team's tool calls per minute (null: the default; 0: unlimited).");
        admin.MapPost("/teams/{id:guid}/token", MintTokenAsync)
            .WithSummary("Mint the team's token with the newest key; the previous team token stops working.");
        admin.MapPost("/teams/{id:guid}/deactivate", DeactivateAsync).WithSummary("Deactivate a team (its token stops working).");
    }

    private static async Task<Results<Created<TeamResponse>, ProblemHttpResult>> CreateAsync(
        CreateTeamRequest body, HttpContext context, AuthDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if ((Fields.RequiredText(body.Name, "name", Limits.NameLength)
                ?? Fields.TextList(body.Workspaces, "workspaces", required: true, Limits.IdentifierLength)
                ?? Fields.TextList(body.Groups, "groups", required: false, Limits.IdentifierLength)
                ?? Fields.RateLimit(body.RateLimitPerMinute)) is { } error)
        {
            return Problems.BadRequest(error);
        }

        var name = body.Name!;
        if (await db.Teams.AnyAsync(t => t.Name == name, cancellationToken))
        {
            return Problems.Conflict($"Team '{name}' already exists.");
        }

        var team = new Team
        {
            Id = Guid.CreateVersion7(), Name = name, CreatedAt = time.GetUtcNow(), Groups = [.. Fields.Distinct(body.Groups ?? [])],
            RateLimitPerMinute = body.RateLimitPerMinute,
        };
        team.Workspaces.AddRange(Fields.Distinct(body.Workspaces!).Select(w => new TeamWorkspace { WorkspaceId = w }));
        db.Teams.Add(team);
        // A new team narrows no one; OAuth tokens carrying its groups see more, and are resolved afresh to see it.
        InvalidationReach.Declare(context, InvalidationReach.Of(team.Groups.Select(Dependency.Group)));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            return Problems.Conflict($"Team '{name}' already exists.");
        }

        return TypedResults.Created($"/admin/v1/teams/{team.Id}",
            new TeamResponse(team.Id, team.Name, team.Workspaces.ConvertAll(w => w.WorkspaceId), team.Groups, team.Active));
    }

    private static async Task<Ok<List<TeamResponse>>> ListAsync(AuthDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.Teams.AsNoTracking()
            .OrderBy(t => t.CreatedAt).ThenBy(t => t.Id)
            .Select(t => new TeamResponse(t.Id, t.Name, t.Workspaces.Select(w => w.WorkspaceId).ToList(), t.Groups, t.Active))
            .ToListAsync(cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult>> SetWorkspacesAsync(
        Guid id, WorkspacesRequest body, HttpContext context, AuthDbContext db, CancellationToken cancellationToken)
    {
        if (Fields.TextList(body.Workspaces, "workspaces", required: true, Limits.IdentifierLength) is { } error)
        {
            return Problems.BadRequest(error);
        }

        var team = await db.Teams.Include(t => t.Workspaces).SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return Problems.NotFound($"Team '{id}' does not exist.");
        }

        InvalidationReach.Declare(context, Reach(team.Id, team.Groups));
        team.Workspaces.Clear();
        team.Workspaces.AddRange(Fields.Distinct(body.Workspaces!).Select(w => new TeamWorkspace { WorkspaceId = w }));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetRateLimitAsync(
        Guid id, RateLimitRequest body, HttpContext context, AuthDbContext db, CancellationToken cancellationToken)
    {
        if (Fields.RateLimit(body.RateLimitPerMinute) is { } error)
        {
            return Problems.BadRequest(error);
        }

        // Only the team token's budget: OAuth members keep the default one.
        InvalidationReach.Declare(context, Reach(id, []));
        var updated = await db.Teams.Where(t => t.Id == id)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.RateLimitPerMinute, body.RateLimitPerMinute), cancellationToken);
        return updated == 0 ? Problems.NotFound($"Team '{id}' does not exist.") : TypedResults.NoContent();
    }

    /// <summary>Replaces the identity-provider groups mapped to the team; OAuth users see the change on their next call.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SetGroupsAsync(
        Guid id, GroupsRequest body, HttpContext context, AuthDbContext db, CancellationToken cancellationToken)
    {
        if (Fields.TextList(body.Groups, "groups", required: true, Limits.IdentifierLength) is { } error)
        {
            return Problems.BadRequest(error);
        }

        var groups = Fields.Distinct(body.Groups!).ToList();
        InvalidationReach.Declare(context, Reach(id, [.. await GroupsOfAsync(db, id, cancellationToken), .. groups]));
        var updated = await db.Teams.Where(t => t.Id == id)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Groups, groups), cancellationToken);
        return updated == 0 ? Problems.NotFound($"Team '{id}' does not exist.") : TypedResults.NoContent();
    }

    private static async Task<Results<Created<JwtMinter.Minted>, ProblemHttpResult>> MintTokenAsync(
        Guid id, HttpContext context, AuthDbContext db, JwtMinter minter, IOptions<AuthOptions> options, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var team = await db.Teams.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return Problems.NotFound($"Team '{id}' does not exist.");
        }

        if (!team.Active)
        {
            return Problems.Conflict($"Team '{id}' is deactivated.");
        }

        var settings = options.Value;
        var now = time.GetUtcNow();
        var expiresAt = now.AddDays(settings.TeamTokenLifetimeDays);
        var jti = Guid.NewGuid().ToString("D");
        var token = await minter.SignAsync(new Dictionary<string, object?>
        {
            ["iss"] = settings.TeamIssuer,
            ["aud"] = settings.TeamAudience,
            ["typ"] = "team",
            ["sub"] = $"team:{team.Id:D}",
            ["jti"] = jti,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
        }, cancellationToken);
        if (token is null)
        {
            return Problems.Conflict(JwtMinter.NoActiveKey);
        }

        // The team's previous token stops working; its OAuth members are not touched.
        InvalidationReach.Declare(context, Reach(team.Id, []));
        team.ActiveJti = jti;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/admin/v1/teams/{team.Id}",
            new JwtMinter.Minted(token, jti, DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds())));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeactivateAsync(
        Guid id, HttpContext context, AuthDbContext db, CancellationToken cancellationToken)
    {
        InvalidationReach.Declare(context, Reach(id, await GroupsOfAsync(db, id, cancellationToken)));
        var updated = await db.Teams.Where(t => t.Id == id)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Active, false), cancellationToken);
        return updated == 0 ? Problems.NotFound($"Team '{id}' does not exist.") : TypedResults.NoContent();
    }

    /// <summary>What a change to a team reaches: its token, and the OAuth tokens that carry <paramref name="groups"/>.</summary>
    private static InvalidationReach Reach(Guid id, IEnumerable<string> groups) =>
        InvalidationReach.Of([Dependency.Team(id), .. groups.Select(Dependency.Group)]);

    private static async Task<List<string>> GroupsOfAsync(AuthDbContext db, Guid id, CancellationToken cancellationToken) =>
        await db.Teams.Where(t => t.Id == id).Select(t => t.Groups).SingleOrDefaultAsync(cancellationToken) ?? [];
}
