using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Turns an upstream account into the local Mnemosyne user it signs in as (CONTRACT §10), through
/// <see cref="UpstreamIdentity"/>: the account's issuer and <c>sub</c> find the user it became at its first sign-in;
/// an account never seen gets a new user named by <see cref="UpstreamUsername"/>, numbered when the name is taken — an
/// existing user (made by hand, by the development sign-in or by another account) is never joined to an account by its
/// name, so no provider account can take over a local user by calling itself that. The name stays as it was made
/// when the account's claims change later. Each sign-in keeps the account's groups on its row for the authorization
/// endpoint to put in the access token. Concurrent first sign-ins (two tabs, two replicas) are settled by the
/// table's keys and the unique username: the loser of either race looks again.
/// </summary>
public sealed partial class UpstreamUsers(AuthDbContext db, IOptions<AuthOptions> options, TimeProvider time, ILogger<UpstreamUsers> logger)
{
    /// <summary>The sign-in cookie's claims naming the upstream account (next to <c>sub</c>, the local username).</summary>
    public const string IssuerClaim = "mnemosyne_upstream_iss";

    public const string SubjectClaim = "mnemosyne_upstream_sub";

    private const int Attempts = 10;

    /// <summary>The local user <paramref name="subject"/> at <paramref name="issuer"/> signs in as, made at its first sign-in.</summary>
    public async Task<(string Username, bool Active)> SignInAsync(string issuer, string subject, string baseName,
        IReadOnlyList<string> groups, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var now = time.GetUtcNow();
            var known = await db.UpstreamIdentities.Include(i => i.User)
                .SingleOrDefaultAsync(i => i.Issuer == issuer && i.Subject == subject, cancellationToken);
            if (known is not null)
            {
                if (!known.User!.Active)
                {
                    return (known.User.Username, false);
                }

                known.Groups = [.. groups];
                known.LastSignInAt = now;
                await db.SaveChangesAsync(cancellationToken);
                return (known.User.Username, true);
            }

            var user = new User { Id = Guid.CreateVersion7(), Username = await FreeUsernameAsync(baseName, cancellationToken), CreatedAt = now };
            db.Users.Add(user);
            db.UpstreamIdentities.Add(new UpstreamIdentity
            {
                Issuer = issuer, Subject = subject, UserId = user.Id, Groups = [.. groups], CreatedAt = now, LastSignInAt = now,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                LogUserCreated(logger, issuer, user.Username);
                return (user.Username, true);
            }
            catch (DbUpdateException exception) when (exception.IsUniqueViolation())
            {
                // The same account's first sign-in on another request, or another account taking the same name.
                db.ChangeTracker.Clear();
            }
        }

        throw new InvalidOperationException($"No free username could be settled for an account of '{issuer}' after {Attempts} attempts.");
    }

    /// <summary>
    /// The groups to put in the access token of the user <paramref name="signIn"/> names: those its upstream account
    /// sent at its latest sign-in; none for a user signed in any other way (a local user has no groups).
    /// </summary>
    public async Task<List<string>> GroupsAsync(ClaimsPrincipal signIn, string username, CancellationToken cancellationToken)
    {
        if (signIn.FindFirst(IssuerClaim)?.Value is not { } issuer || signIn.FindFirst(SubjectClaim)?.Value is not { } subject)
        {
            return [];
        }

        return await db.UpstreamIdentities.AsNoTracking()
            .Where(i => i.Issuer == issuer && i.Subject == subject && i.User!.Username == username)
            .Select(i => i.Groups).SingleOrDefaultAsync(cancellationToken) ?? [];
    }

    /// <summary>The base name, or the first of <c>base-2</c>, <c>base-3</c>, … that no user has (nor the JWT service user).</summary>
    private async Task<string> FreeUsernameAsync(string baseName, CancellationToken cancellationToken)
    {
        var taken = (await db.Users.AsNoTracking()
                .Where(u => u.Username == baseName || u.Username.StartsWith(baseName + "-"))
                .Select(u => u.Username).ToListAsync(cancellationToken))
            .Append(options.Value.ServiceUsername).ToHashSet(StringComparer.Ordinal);
        var attempt = 1;
        while (taken.Contains(UpstreamUsername.Numbered(baseName, attempt)))
        {
            attempt++;
        }

        return UpstreamUsername.Numbered(baseName, attempt);
    }

    [LoggerMessage(LogLevel.Information, "authorization_server.upstream_user_created {Issuer} {Username}")]
    private static partial void LogUserCreated(ILogger logger, string issuer, string username);
}
