using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Data;

/// <summary>
/// The start-up step (<see cref="StartupStep{TStep}"/>) that applies authdb's EF Core migrations, then creates the JWT
/// service user when it is missing. Endpoints answer 503 and background work waits until it has run.
/// </summary>
public sealed partial class AuthDbMigration(
    AuthDbContext db, IOptions<AuthOptions> options, TimeProvider time, ILogger<AuthDbMigration> logger) : IStartupStep
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // On a fresh database EF's first look at the history table fails and logs an Error; creating the table first
        // (what Migrate would do next anyway) keeps a healthy first start free of error lines.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);

        // ON CONFLICT keeps this safe when several instances start at once.
        var username = options.Value.ServiceUsername;
        var created = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO "Users" ("Id", "Username", "Active", "CreatedAt")
            VALUES ({Guid.CreateVersion7()}, {username}, TRUE, {time.GetUtcNow()})
            ON CONFLICT ("Username") DO NOTHING
            """,
            cancellationToken);
        if (created > 0)
        {
            LogServiceUserCreated(logger, username);
        }
    }

    [LoggerMessage(LogLevel.Information, "authdb.service_user_created {Username}")]
    private static partial void LogServiceUserCreated(ILogger logger, string username);
}
