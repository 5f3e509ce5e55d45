using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// What authdb says of teams when a token is resolved, kept in memory (<see cref="InvalidatedCache{TKey,TValue}"/>) so a
/// team or OAuth token's resolution needs no database round trip: a team's row (active, its token's jti, workspaces,
/// budget) until a change reaches the team, and the workspaces an identity-provider group gives (through the active
/// teams that list it) until a change reaches the group. Teams change only through the admin API, which says what each
/// change reaches (<c>TeamsApi</c>); <see cref="AuthOptions.ScopeCacheSeconds"/> bounds the rest.
/// </summary>
public sealed class TeamScopes
{
    private const int Capacity = 100_000;

    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly InvalidatedCache<Guid, TeamRow> _teams;
    private readonly InvalidatedCache<string, string[]> _groups;

    public TeamScopes(InvalidationListener invalidations, IOptions<AuthOptions> options, TimeProvider time)
    {
        _time = time;
        _lifetime = TimeSpan.FromSeconds(options.Value.ScopeCacheSeconds);
        _teams = new(invalidations, Capacity, time);
        _groups = new(invalidations, Capacity, time, StringComparer.Ordinal);
    }

    public sealed record TeamRow(bool Active, string? ActiveJti, List<string> Workspaces, int? RateLimitPerMinute);

    private static readonly Func<AuthDbContext, Guid, CancellationToken, Task<TeamRow?>> FindTeam =
        EF.CompileAsyncQuery((AuthDbContext db, Guid id, CancellationToken _) => db.Teams.AsNoTracking()
            .Where(t => t.Id == id)
            .Select(t => new TeamRow(t.Active, t.ActiveJti, t.Workspaces.Select(w => w.WorkspaceId).ToList(), t.RateLimitPerMinute))
            .SingleOrDefault());

    /// <summary>A team's row; null when there is no such team (not kept: ids are never reused).</summary>
    public async Task<TeamRow?> TeamAsync(AuthDbContext db, Guid id, CancellationToken cancellationToken)
    {
        if (_teams.TryGet(id, out var row))
        {
            return row;
        }

        var ticket = _teams.Begin();
        row = await FindTeam(db, id, cancellationToken);
        if (row is not null)
        {
            _teams.Store(ticket, id, row, _time.GetUtcNow() + _lifetime, [Dependency.Team(id)]);
        }

        return row;
    }

    /// <summary>The workspaces of every active team that lists one of <paramref name="groups"/>.</summary>
    public async Task<List<string>> WorkspacesOfGroupsAsync(AuthDbContext db, IReadOnlyCollection<string> groups, CancellationToken cancellationToken)
    {
        var workspaces = new HashSet<string>(StringComparer.Ordinal);
        List<string>? missing = null;
        foreach (var group in groups)
        {
            if (_groups.TryGet(group, out var kept))
            {
                workspaces.UnionWith(kept);
            }
            else
            {
                (missing ??= []).Add(group);
            }
        }

        if (missing is not null)
        {
            // Every group not kept, in one statement: a token may carry a couple of hundred.
            var ticket = _groups.Begin();
            var rows = await db.Database.SqlQuery<GroupWorkspace>(
                $"""
                SELECT DISTINCT g.name AS "Group", w."WorkspaceId" AS "Workspace"
                FROM "Teams" t CROSS JOIN LATERAL unnest(t."Groups") AS g(name)
                JOIN "TeamWorkspaces" w ON w."TeamId" = t."Id"
                WHERE t."Active" AND g.name = ANY({missing.ToArray()})
                """).ToListAsync(cancellationToken);
            var until = _time.GetUtcNow() + _lifetime;
            foreach (var group in missing)
            {
                var given = rows.Where(r => r.Group == group).Select(r => r.Workspace).ToArray();
                workspaces.UnionWith(given);
                _groups.Store(ticket, group, given, until, [Dependency.Group(group)]);
            }
        }

        return [.. workspaces];
    }

    private sealed class GroupWorkspace
    {
        public required string Group { get; init; }

        public required string Workspace { get; init; }
    }
}
