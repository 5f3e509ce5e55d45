using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Invalidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>Users own opaque tokens; deactivating one stops all of its tokens (and the service user stops every JWT).</summary>
public static class UsersApi
{
    public sealed record CreateUserRequest(string? Username);

    public sealed record UserResponse(string Username, bool Active);

    public static void MapUsersApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/users", CreateAsync).WithSummary("Create a user.");
        admin.MapGet("/users", ListAsync).WithSummary("List users and whether each is active.");
        admin.MapPost("/users/{username}/deactivate",
            (string username, HttpContext context, AuthDbContext db, KeyRingSync keyRing, IOptions<AuthOptions> options,
                CancellationToken ct) =>
            {
                // Its opaque tokens, its sign-ins at the authorization server, and (the service user) every JWT.
                InvalidationReach.Declare(context, InvalidationReach.Of(Dependency.User(username)));
                return SetActiveAsync(username, false, db, keyRing, options, ct);
            })
            .WithSummary("Deactivate a user: its tokens stop working (the service user: every JWT).");
        admin.MapPost("/users/{username}/activate",
            (string username, HttpContext context, AuthDbContext db, KeyRingSync keyRing, IOptions<AuthOptions> options,
                CancellationToken ct) =>
            {
                InvalidationReach.Declare(context, InvalidationReach.Nothing);
                return SetActiveAsync(username, true, db, keyRing, options, ct);
            })
            .WithSummary("Activate a user again.");
    }

    private static async Task<Results<Created<UserResponse>, ProblemHttpResult>> CreateAsync(
        CreateUserRequest body, HttpContext context, AuthDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        InvalidationReach.Declare(context, InvalidationReach.Nothing);
        if (Fields.Username(body.Username, Limits.NameLength) is { } error)
        {
            return Problems.BadRequest(error);
        }

        var username = body.Username!;
        if (await db.Users.AnyAsync(u => u.Username == username, cancellationToken))
        {
            return Problems.Conflict($"User '{username}' already exists.");
        }

        db.Users.Add(new User { Id = Guid.CreateVersion7(), Username = username, CreatedAt = time.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            return Problems.Conflict($"User '{username}' already exists.");
        }

        return TypedResults.Created($"/admin/v1/users/{Uri.EscapeDataString(username)}", new UserResponse(username, true));
    }

    private static async Task<Ok<List<UserResponse>>> ListAsync(AuthDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.Users.AsNoTracking()
            .OrderBy(u => u.CreatedAt).ThenBy(u => u.Id)
            .Select(u => new UserResponse(u.Username, u.Active))
            .ToListAsync(cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult>> SetActiveAsync(
        string username, bool active, AuthDbContext db, KeyRingSync keyRing, IOptions<AuthOptions> options,
        CancellationToken cancellationToken)
    {
        var updated = await db.Users.Where(u => u.Username == username)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Active, active), cancellationToken);
        if (updated == 0)
        {
            return Problems.NotFound($"User '{username}' does not exist.");
        }

        if (username == options.Value.ServiceUsername)
        {
            await keyRing.AnnounceAsync(cancellationToken);
        }

        return TypedResults.NoContent();
    }
}
