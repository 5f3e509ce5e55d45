using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;

namespace Mnemosyne.AuthService.Data;

/// <summary>
/// Applies EF Core migrations at start as a traced step, then creates the JWT service user when it is missing.
/// Retries while Postgres is not reachable yet; <see cref="DatabaseReadiness"/> (and so <c>/health</c>) stays
/// not-ready until it succeeds.
/// </summary>
public sealed partial class DatabaseMigrator(
    IServiceScopeFactory scopes,
    DatabaseReadiness readiness,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<DatabaseMigrator> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var activity = AuthTelemetry.ActivitySource.StartActivity("authdb migrate");
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
                // On a fresh database EF's first look at the history table fails and logs an Error; creating the
                // table first (what Migrate would do next anyway) keeps a healthy first start free of error lines.
                await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(stoppingToken);
                await db.Database.MigrateAsync(stoppingToken);
                await EnsureServiceUserAsync(db, stoppingToken);
                readiness.MarkReady();
                LogMigrated(logger);
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
                LogMigrationFailed(logger, exception, RetryDelay.TotalSeconds);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private async Task EnsureServiceUserAsync(AuthDbContext db, CancellationToken cancellationToken)
    {
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

    [LoggerMessage(LogLevel.Information, "authdb.migrated")]
    private static partial void LogMigrated(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "authdb.migration_failed retrying in {DelaySeconds}s")]
    private static partial void LogMigrationFailed(ILogger logger, Exception exception, double delaySeconds);

    [LoggerMessage(LogLevel.Information, "authdb.service_user_created {Username}")]
    private static partial void LogServiceUserCreated(ILogger logger, string username);
}
